// List the readers pcscd knows, with the state of each and the ATR of the card in it.
import { Context } from 'pcsc';

const ctx = await Context.establish();
try {
  const readers = await ctx.listReaders();
  if (readers.length === 0) console.log('no reader');
  // timeout 0: the current states, without waiting for a change.
  const states = await ctx.getStatusChange(
    readers.map((reader) => ({ reader })),
    { timeout: 0 },
  );
  for (const [i, s] of states.entries()) {
    const atr = s.atr.length > 0 ? ` ATR ${s.atr.toString('hex').toUpperCase()}` : '';
    console.log(`${i}: ${s.reader} [${s.flags.join(' ')}]${atr}`);
  }
} finally {
  await ctx.release();
}
