// Several APDUs with no other program's command in between: a transaction. It ends (and the card
// is left as it is) when the function returns or throws.
import { Context, chooseReader, describeSw } from 'pcsc';

const ctx = await Context.establish();
try {
  const card = await ctx.connect((await chooseReader(ctx)).reader);
  const answers = await card.transaction(async (c) => [
    await c.transmit(Buffer.from('00A40000023F00', 'hex')), // SELECT the master file
    await c.transmit(Buffer.from('0084000008', 'hex')), // GET CHALLENGE: 8 random bytes
  ]);
  for (const a of answers) console.log(a.toString('hex').toUpperCase(), describeSw(a).meaning);
  await card.disconnect('leave');
} finally {
  await ctx.release();
}
