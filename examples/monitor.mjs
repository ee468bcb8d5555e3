// Watch readers and cards come and go (what `pcsc scan` prints, as typed events). The monitor
// survives a pcscd restart; here it stops at the first card inserted or removed, or after 30 s. A card
// already in at start gets its card-inserted too (initial: true), right after its reader's status.
import { Context, monitor } from 'pcsc';

const ctx = await Context.establish();
const signal = AbortSignal.any([AbortSignal.timeout(30_000), stopOnSigint()]);
try {
  for await (const ev of monitor(ctx, { signal })) {
    if (ev.event === 'started') console.log(`watching ${ev.readers.length} reader(s)`);
    if (ev.event === 'status') console.log(`${ev.reader}: ${ev.card}`);
    if (ev.event === 'card-inserted') console.log(`${ev.initial ? 'in' : 'inserted in'} ${ev.reader}: ${ev.atr}`);
    if (ev.event === 'card-removed') console.log(`removed from ${ev.reader}`);
    if ((ev.event === 'card-inserted' && !ev.initial) || ev.event === 'card-removed') break;
  }
} finally {
  await ctx.release();
}

function stopOnSigint() {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  return ac.signal;
}
