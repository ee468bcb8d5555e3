// Wait for a card: the reader with a card, waiting up to 10 s when there is none yet (Ctrl-C stops
// the wait at once), then its ATR.
import { Context, chooseReader, isPcscError, Scard } from 'pcsc';

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
const ctx = await Context.establish();
try {
  const { reader } = await chooseReader(ctx, { wait: true, timeout: 10_000, signal: stop.signal });
  const [state] = await ctx.getStatusChange([{ reader }], { timeout: 0 });
  console.log(`card in ${reader}: ATR ${state.atr.toString('hex').toUpperCase()}`);
} catch (e) {
  if (isPcscError(e) && e.code === Scard.E_TIMEOUT) console.log('no card within 10 s');
  else if (isPcscError(e) && e.code === Scard.E_CANCELLED) console.log('stopped');
  else throw e;
} finally {
  await ctx.release();
}
