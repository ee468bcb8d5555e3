import { Context, chooseReader, describeSw } from 'pcsc';
const ctx = await Context.establish();
console.log('readers:', await ctx.listReaders());
const card = await ctx.connect((await chooseReader(ctx)).reader);
const answer = await card.transmit(Buffer.from('00A40000023F00', 'hex'));
console.log(answer.toString('hex'), describeSw(answer).meaning);
