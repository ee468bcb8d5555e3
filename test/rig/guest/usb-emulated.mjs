// Guest side of test/integration/usb-emulated.test.ts: QEMU's emulated CAC card through the USB
// backend (the core, then `pcsc scan` and `pcsc apdu`), then the same reader and card through
// Debian's pcscd + libccid.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { ccid, core, hex, report, sleep, step, toHex } from './report.mjs';

const { Context, Attr, CM_IOCTL_GET_FEATURE_REQUEST } = core;
const { usbStatus } = ccid;
const APDUS = [
  '00A4040007A0000000790100',
  '00C000000D',
  '8056010000',
  '8056010020',
  '00A4040007D276000085010100',
  '0084000008',
];
// Each command on its own (GET RESPONSE included): the card's answers as is.
const RAW = { raw: true };
const repo = new URL('../../../', import.meta.url).pathname;

async function exchangeAll(ctx, reader) {
  const card = await ctx.connect(reader, { share: 'shared' });
  const out = { protocol: card.protocol, answers: [] };
  for (const a of APDUS) out.answers.push(toHex(await card.transmit(hex(a), RAW)));
  out.atr = toHex((await card.status()).atr);
  await card.disconnect('leave');
  return out;
}

await step('usb-status', () => usbStatus());
const ctx = await step('establish', async () => Context.establish({ backend: 'usb' }));
if (ctx) {
  const readers = await step('list', () => ctx.listReaders());
  const reader = readers?.[0];
  await step('state', async () => {
    const [s] = await ctx.getStatusChange([{ reader, currentState: 0 }], { timeout: 0 });
    return { flags: s.flags, atr: toHex(s.atr), eventCount: s.eventCount };
  });
  await step('wait-timeout', async () => {
    const [s] = await ctx.getStatusChange([{ reader, currentState: 0 }], { timeout: 0 });
    return ctx.getStatusChange([{ reader, currentState: s.eventState }], { timeout: 300 });
  });
  await step('usb-exchange', () => exchangeAll(ctx, reader));
  await step('attributes', async () => {
    const card = await ctx.connect(reader);
    const str = async (id) => (await card.getAttribute(id)).toString('latin1').replace(/\0$/, '');
    const r = {
      vendor: await str(Attr.VENDOR_NAME),
      type: await str(Attr.VENDOR_IFD_TYPE),
      serial: await str(Attr.VENDOR_IFD_SERIAL_NO),
      atr: toHex(await card.getAttribute(Attr.ATR_STRING)),
      channel: (await card.getAttribute(Attr.CHANNEL_ID)).readUInt32LE(0).toString(16),
      features: toHex(await card.control(CM_IOCTL_GET_FEATURE_REQUEST)),
    };
    await card.disconnect();
    return r;
  });
  await step('transaction', async () => {
    const a = await ctx.connect(reader);
    const b = await ctx.connect(reader);
    const order = [];
    await a.beginTransaction();
    const waiting = b.transaction(async () => {
      order.push('b');
      return toHex(await b.transmit(hex('00C000000D'), RAW));
    });
    await sleep(200);
    order.push('a');
    await a.transmit(hex('00A4040007A0000000790100'), RAW);
    await a.endTransaction();
    const bAnswer = await waiting;
    await a.disconnect();
    await b.disconnect();
    return { order, bAnswer };
  });
  await step('exclusive', async () => {
    const a = await ctx.connect(reader, { share: 'exclusive' });
    try {
      await ctx.connect(reader);
      return 'second connect succeeded';
    } catch (e) {
      return e.scardName;
    } finally {
      await a.disconnect();
    }
  });
  await step('reset-seen-by-other', async () => {
    const a = await ctx.connect(reader);
    const b = await ctx.connect(reader);
    await a.disconnect('reset');
    try {
      await b.transmit(hex('00C000000D'), RAW);
      return 'no error';
    } catch (e) {
      return e.scardName;
    } finally {
      await b.disconnect();
    }
  });
  await step('release', () => ctx.release());
}

// The CLI (bin/run.js reads the oclif manifest that `npm run build` writes).
const cli = (args) => {
  const r = spawnSync(process.execPath, [`${repo}bin/run.js`, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    input: '',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const cliJson = (args) => {
  const r = cli([...args, '--json']);
  return { status: r.status, stdout: JSON.parse(r.stdout), stderr: r.stderr };
};
/** The APDUs `pcsc apdu` sends: SELECT (61xx, GET RESPONSE), 6Cxx (re-sent with Le), 6A82. */
const CLI_APDUS = ['00A4040007A0000000790100', '8056010000', '00A4040007D276000085010100'];

await step('cli-scan', () => ({
  text: cli(['scan', '--backend', 'usb', '-r']),
  json: cliJson(['scan', '--backend', 'usb', '-r']),
}));
// --backend auto with no pcscd at the default socket: USB answers, and one stderr line says so.
await step('cli-scan-auto', () => ({
  text: cli(['scan', '-r']),
  json: cliJson(['scan', '-r']),
}));
await step('cli-apdu', () => ({
  text: cli(['apdu', '--backend', 'usb', '--reader', '0', CLI_APDUS[0]]),
  json: cliJson(['apdu', '--backend', 'usb', '--reader', '0', ...CLI_APDUS]),
}));

// As an unprivileged user, the device node (root 0600) cannot be opened.
await step('nobody', () => {
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      '-e',
      `
    const { Context } = await import(${JSON.stringify(repo + 'dist/core/index.js')});
    const ctx = await Context.establish({ backend: 'usb' });
    const names = await ctx.listReaders();
    try { await ctx.connect(names[0]); console.log(JSON.stringify({ names, connected: true })); }
    catch (e) { console.log(JSON.stringify({ names, code: e.code, message: e.message })); }
    await ctx.release();`,
    ],
    { encoding: 'utf8', timeout: 60_000, input: '' },
  );
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
});

// Debian's pcscd + libccid on the same reader, on a private socket.
const dir = mkdtempSync('/tmp/pcscd-');
const sock = `${dir}/pcscd.comm`;
const pcscd = spawn(
  'python3',
  [`${repo}test/rig/pcscd-launch.py`, '--keep-usb', sock, '--foreground', '--config', dir, '--debug'],
  {
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let log = '';
pcscd.stdout.on('data', (d) => {
  log += d;
});
pcscd.stderr.on('data', (d) => {
  log += d;
});
try {
  const pctx = await step('pcscd-establish', async () => {
    for (let i = 0; i < 100; i++) {
      try {
        const c = await core.Context.establish({ backend: 'pcscd', socket: sock });
        if ((await c.listReaders()).length > 0) return c;
        await c.release();
      } catch {
        /* not up yet */
      }
      await sleep(100);
    }
    throw new Error('pcscd did not list the reader within 10 s');
  });
  if (pctx) {
    const readers = await step('pcscd-list', () => pctx.listReaders());
    await step('pcscd-state', async () => {
      const [s] = await pctx.getStatusChange([{ reader: readers[0], currentState: 0 }], { timeout: 0 });
      return { flags: s.flags, atr: toHex(s.atr), eventCount: s.eventCount };
    });
    await step('pcscd-exchange', () => exchangeAll(pctx, readers[0]));
    await step('pcscd-cli-apdu', () =>
      cliJson(['apdu', '--backend', 'pcscd', '--socket', sock, '--reader', '0', ...CLI_APDUS]),
    );
    await step('busy', async () => {
      const u = await Context.establish({ backend: 'usb' });
      try {
        await u.connect((await u.listReaders())[0]);
        return { connected: true };
      } catch (e) {
        return { code: e.code, message: e.message };
      } finally {
        await u.release();
      }
    });
    await step('auto-backend', async () => {
      const a = await Context.establish({ backend: 'auto', socket: sock });
      const named = a.info.backend;
      await a.release();
      // Nothing listens at the default socket in the guest: auto falls back to USB...
      const b = await Context.establish({ backend: 'auto', env: {} });
      const dflt = b.info.backend;
      await b.release();
      // ...but not when the user named a socket.
      let namedMissing;
      try {
        await Context.establish({ backend: 'auto', socket: `${dir}/nobody-listens` });
      } catch (e) {
        namedMissing = e.scardName;
      }
      return [named, dflt, namedMissing];
    });
    await pctx.release();
  }
} finally {
  pcscd.kill('SIGTERM');
  await new Promise((r) => pcscd.once('exit', r));
  report(
    'pcscd-log',
    log
      .split('\n')
      .filter((l) => /hotplug|ccid|Adding|fail|error/i.test(l) && !/winscard/.test(l))
      .slice(0, 40),
  );
}
