// Test data as people write bytes ("00 A4 04 00", "3B 95 13 81 ..."): whitespace is ignored; a
// typo (an odd digit count or a non-hex character) fails the test instead of cutting the bytes short.

export function hex(text: string): Buffer {
  const digits = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`test data: "${text}" is not whole hex bytes`);
  return Buffer.from(digits, 'hex');
}
