// Decode the ATR of the card in the reader (ISO 7816-3): protocols, parameters, historical bytes.
import { analyzeAtr, chooseReader, Context } from 'pcsc';

const ctx = await Context.establish();
try {
  const card = await ctx.connect((await chooseReader(ctx)).reader);
  const { atr } = await card.status();
  const a = analyzeAtr(atr);
  console.log(`ATR ${a.atr}: ${a.valid ? 'valid' : a.problems.join('; ')}`);
  console.log(`protocols ${a.protocols.join(', ')}, ${a.historicalLength} historical byte(s)`);
  // Any ATR, from anywhere: analyzeAtr(Buffer.from('3B8F8001804F0CA000000306030001000000006A', 'hex'))
  await card.disconnect();
} finally {
  await ctx.release();
}
