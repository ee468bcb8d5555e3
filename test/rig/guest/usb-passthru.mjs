// Guest side of test/integration/usb-passthru.test.ts: the scripted VSCard card behind QEMU's
// ccid-card-passthru (test/rig/vscard-card.ts documents its commands).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { core, hex, report, sleep, step, toHex } from './report.mjs';

const repo = new URL('../../../', import.meta.url).pathname;

const { Context } = core;
const ctx = await Context.establish({ backend: 'usb' });
let ctx2;
const [reader] = await ctx.listReaders();
let card = await step('connect', async () => {
  const c = await ctx.connect(reader);
  return c;
});
// Each command on its own: the card's answers as is (61xx and 6Cxx included).
const tx = async (a, opts) => toHex(await card.transmit(hex(a), { raw: true, ...opts }));
await step('card', async () => ({ protocol: card.protocol, atr: toHex((await card.status()).atr) }));

// 61xx: 300 bytes wait; GET RESPONSE Le=00 gives 256 and 61 2C, then 44 and 90 00.
await step('get-response', async () => {
  const first = await tx('8040012C');
  const a = await tx('00C0000000');
  const b = await tx(`00C00000${a.slice(-2)}`);
  return { first, a: { len: a.length / 2, sw: a.slice(-4) }, b: { len: b.length / 2, sw: b.slice(-4) } };
});
// 6Cxx: wrong Le, then the right one.
await step('wrong-le', async () => {
  const first = await tx('8050002000');
  const second = await tx(`80500020${first.slice(-2)}`);
  return { first, second: { len: second.length / 2, sw: second.slice(-4) } };
});
// Long answers: QEMU carries replies up to 384-byte messages (372 data + SW).
await step('long-372', async () => {
  const r = await tx('80100174');
  return { len: r.length / 2, sw: r.slice(-4) };
});
// 52 data + SW = a 64-byte reply message: QEMU sends a zero-length packet before the next one.
await step('boundary-64', async () => {
  const a = await tx('80100034');
  const b = await tx('80100010');
  return { a: a.length / 2, b: b.length / 2, sw: b.slice(-4) };
});
await step('lc-255', async () => tx(`80220000FF${'A5'.repeat(255)}`));
await step('extended-on-t0', async () => tx(`80220000000FA0${'5A'.repeat(4000)}`));
// QEMU drops reply messages over 384 bytes: a clear timeout, then the reader still works.
await step('long-373', async () => tx('80100175', { timeout: 2000 }));
await step('after-373', async () => tx('80100004'));

// Removal and insertion: remove after 0.3 s, reinsert 1.5 s later.
await step('remove-insert', async () => {
  const [s0] = await ctx.getStatusChange([{ reader }], { timeout: 0 });
  await tx('80300310');
  const [s1] = await ctx.getStatusChange([{ reader, currentState: s0.eventState }], { timeout: 10_000 });
  let removedError;
  try {
    await tx('80100004');
  } catch (e) {
    removedError = e.scardName;
  }
  const [s2] = await ctx.getStatusChange([{ reader, currentState: s1.eventState }], { timeout: 10_000 });
  return {
    before: { flags: s0.flags, count: s0.eventCount },
    removed: { flags: s1.flags, count: s1.eventCount, atr: toHex(s1.atr) },
    inserted: { flags: s2.flags, count: s2.eventCount, atr: toHex(s2.atr) },
    removedError,
  };
});
await step('reconnect', async () => {
  try {
    await card.transmit(hex('80100004'), { raw: true });
    return 'old handle still works';
  } catch (e) {
    const code = e.scardName;
    await card.reconnect({ initialization: 'reset' });
    return { oldHandle: code, after: await tx('80100004') };
  }
});

// Empty reader: removed after 0.2 s for 3 s.
{
  const s0 = await step('empty-s0', async () => (await ctx.getStatusChange([{ reader }], { timeout: 0 }))[0]);
  await tx('8030021E');
  const s1 = await step(
    'empty-s1',
    async () => (await ctx.getStatusChange([{ reader, currentState: s0?.eventState ?? 0 }], { timeout: 5_000 }))[0],
  );
  await step('empty-connect', async () => {
    await ctx.connect(reader);
    return 'connected';
  });
  await step(
    'empty-s2',
    async () => (await ctx.getStatusChange([{ reader, currentState: s1?.eventState ?? 0 }], { timeout: 10_000 }))[0],
  );
}
await card.disconnect().catch(() => undefined);

// The same APDUs through this backend and through Debian's pcscd + libccid: same answers, and the
// card sees the same TPDUs (the host test compares what it received after each marker).
const PARITY = [
  '80100004',
  '8010000404',
  '8040012C',
  '00C0000000',
  '00C000002C',
  '8050002000',
  '8050002020',
  '8022000003AABBCC',
  '8022000003AABBCC00',
  '00A40400023F00',
];
const parity = async (c, marker) => {
  await c.transmit(hex(marker), { raw: true });
  const out = [];
  for (const a of PARITY) out.push(toHex(await c.transmit(hex(a), { raw: true })));
  return out;
};
await step('parity-usb', async () => {
  const c = await ctx.connect(reader);
  try {
    return await parity(c, '80200000' + '01AA');
  } finally {
    await c.disconnect();
  }
});
await ctx.release();
{
  const dir = mkdtempSync('/tmp/pcscd-');
  const sock = `${dir}/pcscd.comm`;
  const pcscd = spawn(
    'python3',
    [`${repo}test/rig/pcscd-launch.py`, '--keep-usb', sock, '--foreground', '--config', dir],
    {
      stdio: 'ignore',
    },
  );
  try {
    await step('parity-pcscd', async () => {
      let pctx;
      for (let i = 0; i < 100 && !pctx; i++) {
        try {
          const c = await core.Context.establish({ backend: 'pcscd', socket: sock });
          if ((await c.listReaders()).length > 0) pctx = c;
          else await c.release();
        } catch {
          /* starting */
        }
        if (!pctx) await sleep(100);
      }
      if (!pctx) throw new Error('pcscd did not list the reader within 10 s');
      try {
        const [name] = await pctx.listReaders();
        const c = await pctx.connect(name);
        try {
          return { name, answers: await parity(c, '80200000' + '01BB') };
        } finally {
          await c.disconnect();
        }
      } finally {
        await pctx.release();
      }
    });
  } finally {
    pcscd.kill('SIGTERM');
    await new Promise((r) => pcscd.once('exit', r));
  }
}

// `pcsc scan --backend usb` in watch mode, the CLI alone on the reader: the host test removes the
// card when the scan has reported its first look (scan-watching) and puts it back when the scan has
// reported the removal (scan-removed), so no step depends on how fast the guest is. -t and the kill
// timer bound the wait if the host never acts.
await step(
  'cli-watch',
  () =>
    new Promise((resolve) => {
      const args = [`${repo}bin/run.js`, 'scan', '--backend', 'usb', '--json', '-n', '--count', '2', '-t', '60'];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const events = [];
      let stderr = '';
      let partial = '';
      child.stdout.setEncoding('utf8').on('data', (d) => {
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          let e;
          try {
            e = JSON.parse(line);
          } catch {
            e = { unparsed: line };
          }
          events.push(e);
          if (e.event === 'status') report('scan-watching', e.eventNumber);
          if (e.event === 'card-removed') report('scan-removed', e.eventNumber);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d) => {
        stderr += d;
      });
      child.once('close', (code, signal) => {
        clearTimeout(kill);
        if (partial) events.push({ unparsed: partial });
        resolve({ reader, code, signal, events, stderr });
      });
    }),
);

// The steps below need the card: if the watch left it out, the host puts it back on cli-watch.
await step('card-back', async () => {
  const c = await Context.establish({ backend: 'usb' });
  try {
    let [s] = await c.getStatusChange([{ reader }], { timeout: 0 });
    if (!s.flags.includes('PRESENT'))
      [s] = await c.getStatusChange([{ reader, currentState: s.eventState }], { timeout: 10_000 });
    return s.flags;
  } finally {
    await c.release();
  }
});

// Unplugged in the middle of an exchange: the card never answers 80 66 and the host test
// removes the reader from the VM (QEMU device_del). PnP then sees the reader go.
ctx2 = await Context.establish({ backend: 'usb' });
card = await ctx2.connect(reader);
const pnp = ctx2.getStatusChange([{ reader: '\\\\?PnP?\\Notification', currentState: 0 }], { timeout: 20_000 });
await step('unplug', () => tx('80660000', { timeout: 20_000 }));
await step('pnp', async () => {
  const [p] = await pnp;
  return { changed: p.changed, count: p.eventCount };
});
await step('after-unplug-transmit', () => tx('80100004'));
await step('after-unplug', async () => ctx2.listReaders());
await step('release', async () => {
  await card.disconnect().catch(() => undefined);
  await ctx2.release();
  return 'ok';
});
