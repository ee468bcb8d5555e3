// Errors: PC/SC failures are PcscError with the SCARD code as data (code, scardName); a caller's
// mistake is a UsageError; both have a one-line message and toJSON().
import { Context, isPcscError, PcscError, Scard, selectReader, UsageError } from 'pcsc';

const ctx = await Context.establish();
try {
  const readers = await ctx.listReaders();
  try {
    selectReader(readers, 'no such reader');
  } catch (e) {
    if (e instanceof PcscError) console.log(`${e.scardName}: ${e.message}`); // SCARD_E_UNKNOWN_READER
  }
  try {
    await ctx.connect(readers[1] ?? readers[0]); // an empty reader
  } catch (e) {
    if (isPcscError(e) && e.code === Scard.E_NO_SMARTCARD) console.log(`no card: ${JSON.stringify(e.toJSON())}`);
    else throw e;
  }
  try {
    selectReader(readers, '');
  } catch (e) {
    if (e instanceof UsageError) console.log(`usage (${e.code}): ${e.message}`);
  }
} finally {
  await ctx.release();
}
