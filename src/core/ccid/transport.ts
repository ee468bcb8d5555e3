// USB access for the CCID driver: the only file that uses the `usb` package (loaded lazily, through
// usb-module.ts) and the only place that talks to the kernel's USB devices. Every transfer is
// bounded by our own timer.
//
// Why `usb` 3.x (node-usb-rs, Rust nusb with a WebUSB-style API) and not 2.x (libusb):
//  - 3.x honours transfer timeouts (an idle IN transfer with a 1 s timeout ends after ~1.02 s);
//    2.x's bundled libusb is built without timerfd, so its timeouts fire only after ~60 s;
//  - 3.x ships prebuilt binaries as per-platform optional packages and has no install script,
//    so installing never runs node-gyp or needs a compiler; 2.x falls back to a source build;
//  - both drive QEMU's usb-ccid reader byte-identically (docs/usb.md#testing-against-a-real-reader-qemus-usb-ccid).
// It is an optional dependency: when it or its native part is missing, the CLI still works
// with pcscd, and usbStatus() tells `pcsc doctor` why the USB backend is unavailable.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { CcidError, PcscError, Scard } from '../errors.js';
import { errnoOf, usbError } from './usb-errors.js';
import {
  drivableEndpoints,
  isReaderClass,
  parseCcidDescriptor,
  parseConfiguration,
  type CcidDescriptor,
} from './descriptor.js';

/** One CCID interface of one USB device, as enumerated. */
export { permissionMessage, usbError } from './usb-errors.js';

export interface UsbCcidInterface {
  /** Kernel name of the device (`1-1.4`) plus the interface number: unique while plugged. */
  id: string;
  sysName: string;
  busNumber: number;
  address: number;
  /** /dev/bus/usb/BBB/DDD */
  node: string;
  vendorId: number;
  productId: number;
  /** bcdDevice as major.minor.subminor. */
  deviceVersion: string;
  manufacturer?: string;
  product?: string;
  serial?: string;
  interfaceNumber: number;
  interfaceName?: string;
  interfaceClass: number;
  descriptor: CcidDescriptor;
  bulkIn: number;
  bulkOut: number;
  interruptIn?: number;
  packetSize: number;
}

/** An opened and claimed CCID interface. */
export interface CcidTransport {
  readonly info: UsbCcidInterface;
  /** One bulk-OUT transfer of a whole message. */
  write(data: Uint8Array, timeoutMs: number): Promise<void>;
  /** One bulk-IN transfer (may be empty: QEMU sends a zero-length packet after 64-byte replies). */
  read(maxLength: number, timeoutMs: number): Promise<Buffer>;
  /** One interrupt-IN transfer; null when nothing came within the time. */
  readInterrupt(timeoutMs: number): Promise<Buffer | null>;
  /** A class-specific request to the interface (CCID §5.3), e.g. ABORT. */
  classRequest(request: number, value: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** What the lazily loaded module offers us (a structural subset of usb 3.x). */
interface NativeDevice {
  vendorId: number;
  productId: number;
  deviceVersionMajor: number;
  deviceVersionMinor: number;
  deviceVersionSubminor: number;
  bus: string;
  address: number;
  ports: number[];
  manufacturerName: string | null;
  productName: string | null;
  serialNumber: string | null;
  opened: boolean;
  configuration?: {
    configurationValue: number;
    interfaces: { interfaceNumber: number; alternate: { interfaceClass: number; interfaceName?: string } }[];
  } | null;
  open(): Promise<void>;
  close(): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  nativeControlTransferIn(setup: object, timeout: number, length: number): Promise<Uint8Array | null>;
  nativeControlTransferOut(setup: object, timeout: number, data?: Uint8Array): Promise<number>;
  nativeTransferIn(ep: number, timeout: number, length: number): Promise<Uint8Array | null>;
  nativeTransferOut(ep: number, timeout: number, data: Uint8Array): Promise<number>;
}
interface UsbModule {
  usb: { getDevices(): Promise<NativeDevice[]> };
}

/** Extra time our own timer gives a transfer beyond the timeout handed to the native side. */
const BACKSTOP_MS = 500;

let loaded: Promise<UsbModule> | undefined;

function packageVersion(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const p = req.resolve('usb/package.json');
    return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** Loads `usb` once. A missing package or native part becomes one clear error. */
export function loadUsb(): Promise<UsbModule> {
  loaded ??= (async () => {
    try {
      const { importUsb } = await import('./usb-module.js');
      const m = (await importUsb()) as { usb?: UsbModule['usb']; default?: { usb?: UsbModule['usb'] } };
      const usb = m.usb ?? m.default?.usb;
      if (!usb) throw new Error('the module has no `usb` export (is it usb 3.x?)');
      return { usb };
    } catch (e) {
      loaded = undefined;
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new CcidError(
        `the USB backend needs the optional npm package usb@3 and its prebuilt binary for ${process.platform}-${process.arch}: ${why}; reinstall pcsc with optional dependencies (npm install --include=optional), or use --backend pcscd`,
        'NO_USB_MODULE',
        'service',
        { cause: e },
      );
    }
  })();
  return loaded;
}

export interface UsbStatus {
  available: boolean;
  version?: string;
  error?: string;
}

/** For `pcsc doctor`: can the USB backend load, and which `usb` version is it. */
export async function usbStatus(): Promise<UsbStatus> {
  const version = packageVersion();
  try {
    await loadUsb();
    return { available: true, ...(version ? { version } : {}) };
  } catch (e) {
    return { available: false, ...(version ? { version } : {}), error: e instanceof Error ? e.message : String(e) };
  }
}

function sysNameOf(d: NativeDevice): string {
  return `${Number(d.bus)}-${d.ports.join('.')}`;
}

function nodeOf(d: NativeDevice): string {
  return `/dev/bus/usb/${String(Number(d.bus)).padStart(3, '0')}/${String(d.address).padStart(3, '0')}`;
}

/**
 * The active configuration descriptor: from sysfs when readable (no need to open the device,
 * so listing works without write access), else with GET_DESCRIPTOR on the opened device.
 */
async function configDescriptor(
  d: NativeDevice,
  known: boolean,
): Promise<{ raw: Buffer; value: number; fromSysfs: boolean }> {
  const dir = `/sys/bus/usb/devices/${sysNameOf(d)}`;
  try {
    const all = await readFile(`${dir}/descriptors`);
    const want = Number((await readFile(`${dir}/bConfigurationValue`, 'utf8')).trim() || '1');
    // Device descriptor (18 bytes), then each configuration with its wTotalLength.
    for (let i = 18; i + 9 <= all.length;) {
      const total = all.readUInt16LE(i + 2);
      if (all[i + 1] !== 0x02 || total < 9) break;
      if (all[i + 5] === want) return { raw: all.subarray(i, i + total), value: want, fromSysfs: true };
      i += total;
    }
  } catch {
    // not Linux, or sysfs not mounted: ask the device, if it has a candidate interface at all
  }
  let classes: number[];
  try {
    classes = d.configuration?.interfaces.map((i) => i.alternate.interfaceClass) ?? [];
  } catch {
    classes = [];
  }
  if (!classes.some((c) => isReaderClass(c, known))) throw new Error('not a CCID device');
  const wasOpen = d.opened;
  try {
    if (!wasOpen) await d.open();
    const setup = { requestType: 'standard', recipient: 'device', request: 6, value: 0x0200, index: 0 };
    const head = await bounded(d.nativeControlTransferIn(setup, 1000, 9), 1000, 'GET_DESCRIPTOR');
    if (!head || head.length < 4) throw new Error('short configuration descriptor');
    const total = Buffer.from(head).readUInt16LE(2);
    const full = await bounded(d.nativeControlTransferIn(setup, 1000, total), 1000, 'GET_DESCRIPTOR');
    if (!full) throw new Error('GET_DESCRIPTOR stalled');
    return { raw: Buffer.from(full), value: full[5] ?? 1, fromSysfs: false };
  } finally {
    if (!wasOpen) await d.close().catch(() => undefined);
  }
}

/** The iInterface string: sysfs has it for every user; else the library (which may open the device). */
async function interfaceName(
  d: NativeDevice,
  configValue: number,
  ifnum: number,
  fromSysfs: boolean,
): Promise<string | undefined> {
  if (fromSysfs) {
    try {
      const s = (
        await readFile(`/sys/bus/usb/devices/${sysNameOf(d)}:${configValue}.${ifnum}/interface`, 'utf8')
      ).replace(/\n$/, '');
      return s || undefined;
    } catch {
      return undefined; // no iInterface string
    }
  }
  try {
    return d.configuration?.interfaces.find((i) => i.interfaceNumber === ifnum)?.alternate.interfaceName || undefined;
  } catch {
    return undefined;
  }
}

export interface ListOptions {
  /** VID:PID pairs (vid << 16 | pid) of vendor-class readers an installed driver knows as CCID. */
  knownVendorReaders?: ReadonlySet<number>;
}

/**
 * Every CCID interface on the system, in bus order: class 0x0B interfaces, and vendor-class
 * (0xFF) interfaces of known readers that carry a CCID descriptor.
 */
export async function listCcidInterfaces(opts: ListOptions = {}): Promise<UsbCcidInterface[]> {
  const { usb } = await loadUsb();
  let devices: NativeDevice[];
  try {
    devices = await usb.getDevices();
  } catch (e) {
    // A kernel without USB (no /sys/bus/usb: containers, some VMs) has no readers, which is not an error.
    if (errnoOf(e) === 2) return [];
    throw new CcidError(`cannot list USB devices: ${e instanceof Error ? e.message : String(e)}`, 'EIO', 'service', {
      cause: e,
    });
  }
  const out: UsbCcidInterface[] = [];
  for (const d of devices) {
    if (d.ports.length === 0) continue; // root hub
    const known = opts.knownVendorReaders?.has(((d.vendorId << 16) | d.productId) >>> 0) ?? false;
    let cfg: Awaited<ReturnType<typeof configDescriptor>>;
    try {
      cfg = await configDescriptor(d, known);
    } catch {
      continue; // cannot be described without opening it: it cannot be driven either
    }
    for (const ifc of parseConfiguration(cfg.raw)) {
      const eps = drivableEndpoints(ifc, known);
      if (!eps || !ifc.ccid) continue;
      let descriptor: CcidDescriptor;
      try {
        descriptor = parseCcidDescriptor(ifc.ccid);
      } catch {
        continue;
      }
      const name = ifc.stringIndex ? await interfaceName(d, cfg.value, ifc.number, cfg.fromSysfs) : undefined;
      const sysName = sysNameOf(d);
      const str = (get: () => string | null): string | undefined => {
        try {
          return get() ?? undefined;
        } catch {
          return undefined;
        }
      };
      const manufacturer = str(() => d.manufacturerName);
      const product = str(() => d.productName);
      const serial = str(() => d.serialNumber);
      out.push({
        id: `${sysName}:${ifc.number}`,
        sysName,
        busNumber: Number(d.bus),
        address: d.address,
        node: nodeOf(d),
        vendorId: d.vendorId,
        productId: d.productId,
        deviceVersion: `${d.deviceVersionMajor}.${d.deviceVersionMinor}.${d.deviceVersionSubminor}`,
        ...(manufacturer ? { manufacturer } : {}),
        ...(product ? { product } : {}),
        ...(serial ? { serial } : {}),
        interfaceNumber: ifc.number,
        ...(name ? { interfaceName: name } : {}),
        interfaceClass: ifc.interfaceClass,
        descriptor,
        bulkIn: eps.bulkIn,
        bulkOut: eps.bulkOut,
        ...(eps.interruptIn !== undefined ? { interruptIn: eps.interruptIn } : {}),
        packetSize: eps.packetSize,
      });
    }
  }
  return out;
}

/** Runs a native call under our own deadline, whatever the native side does with its timeout. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CcidError(`USB ${what} did not complete within ${ms} ms`, 'ETIMEDOUT', 'timeout')),
      ms + BACKSTOP_MS,
    );
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

class NusbTransport implements CcidTransport {
  closed = false;
  private inflight = new Set<Promise<unknown>>();
  constructor(
    readonly info: UsbCcidInterface,
    private readonly dev: NativeDevice,
  ) {}

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    );
    return p;
  }

  private check(what: string): void {
    if (this.closed) throw new PcscError(Scard.E_READER_UNAVAILABLE, `the reader connection is closed (${what})`);
  }

  async write(data: Uint8Array, timeoutMs: number): Promise<void> {
    this.check('bulk OUT');
    try {
      const n = await bounded(
        this.track(this.dev.nativeTransferOut(this.info.bulkOut & 0x0f, timeoutMs, data)),
        timeoutMs,
        'bulk OUT',
      );
      if (n !== data.length) throw new CcidError(`USB bulk OUT wrote ${n} of ${data.length} bytes`, 'EIO');
    } catch (e) {
      throw usbError(e, 'bulk OUT', this.info);
    }
  }

  async read(maxLength: number, timeoutMs: number): Promise<Buffer> {
    this.check('bulk IN');
    try {
      const r = await bounded(
        this.track(this.dev.nativeTransferIn(this.info.bulkIn & 0x0f, timeoutMs, maxLength)),
        timeoutMs,
        'bulk IN',
      );
      if (r === null) throw new CcidError('USB bulk IN stalled', 'ESTALL');
      return Buffer.from(r);
    } catch (e) {
      throw usbError(e, 'bulk IN', this.info);
    }
  }

  async readInterrupt(timeoutMs: number): Promise<Buffer | null> {
    this.check('interrupt IN');
    if (this.info.interruptIn === undefined) return null;
    try {
      const r = await bounded(
        this.track(this.dev.nativeTransferIn(this.info.interruptIn & 0x0f, timeoutMs, 64)),
        timeoutMs,
        'interrupt IN',
      );
      return r ? Buffer.from(r) : null;
    } catch (e) {
      const err = usbError(e, 'interrupt IN', this.info);
      if (err instanceof CcidError && err.code === 'ETIMEDOUT') return null;
      throw err;
    }
  }

  async classRequest(request: number, value: number, timeoutMs: number): Promise<void> {
    this.check('control');
    const setup = { requestType: 'class', recipient: 'interface', request, value, index: this.info.interfaceNumber };
    try {
      await bounded(this.track(this.dev.nativeControlTransferOut(setup, timeoutMs)), timeoutMs, 'class request');
    } catch (e) {
      throw usbError(e, 'class request', this.info);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A pending transfer (the idle interrupt read) keeps the interface claimed inside the
    // native library until it ends, and pcscd started right after us would find it busy: wait
    // for it (its own timeout is short), boundedly.
    await bounded(Promise.allSettled([...this.inflight]), 1500, 'close').catch(() => undefined);
    await this.dev.releaseInterface(this.info.interfaceNumber).catch(() => undefined);
    await this.dev.close().catch(() => undefined);
  }
}

/** Opens the device and claims the interface; errors say what to do (permission, busy, gone). */
export async function openCcid(info: UsbCcidInterface): Promise<CcidTransport> {
  const { usb } = await loadUsb();
  const d = (await usb.getDevices()).find((x) => sysNameOf(x) === info.sysName && x.address === info.address);
  if (!d) throw new PcscError(Scard.E_READER_UNAVAILABLE, `the reader at ${info.node} is no longer plugged in`);
  try {
    await bounded(d.open(), 2000, 'open');
  } catch (e) {
    throw usbError(e, 'open', info);
  }
  try {
    await bounded(d.claimInterface(info.interfaceNumber), 2000, 'claim');
  } catch (e) {
    await d.close().catch(() => undefined);
    throw usbError(e, 'claim', info);
  }
  return new NusbTransport(info, d);
}
