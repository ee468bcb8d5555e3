// Status words: from a number, from hex text, or from a response's last two bytes. Text is always
// hexadecimal ('9000' is 0x9000); anything that is not two bytes is refused, never guessed at.
import { describeSw, isSuccessSw, parseSw, UsageError } from 'pcsc';

console.log(describeSw(0x6a82)); // { sw: '6A82', meaning: 'File or application not found', ... }
console.log(describeSw('63 C2').meaning); // the PIN counter: 2 tries left
console.log(isSuccessSw('0x9000'), isSuccessSw(Buffer.from('CAFE6282', 'hex')));
console.log(parseSw('61 10').toString(16)); // 6110
try {
  describeSw('900');
} catch (e) {
  if (e instanceof UsageError) console.log(`refused: ${e.message}`);
}
