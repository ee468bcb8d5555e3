// Whether a spinner may be drawn: scan's watch mode and `atr --update` ask the same question.

/** A spinner needs a terminal with a width (a pseudo-terminal may report 0 columns). */
export function canSpin(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
}
