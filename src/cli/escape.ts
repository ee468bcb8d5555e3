// Text from outside (reader names, card data, ATR list entries, scripts, paths, messages that
// quote them) shown on a terminal: control characters are made visible instead of being obeyed.
// An ESC from a card or a file name must not set the window title (ESC ] 0;…), clear the screen
// (ESC [2J), write to the clipboard (ESC ] 52;…) or move the cursor, and a newline in a path must
// not break a one-line message into two.

/** Bidirectional controls: they reorder what is shown (the "Trojan Source" trick). */
const BIDI = '\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069';

// C0 controls, DEL, C1 controls (U+0080–U+009F: U+009B is a one-character CSI), bidi controls.
const ALL_CONTROLS = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f${BIDI}]`, 'g');

/** The same, but a newline and a complete SGR sequence (colour, bold: what chalk writes) are kept. */
const CONTROLS_BUT_STYLE = new RegExp(`\\u001b\\[[0-9;]*m|[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f${BIDI}]`, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
    : `\\u${code.toString(16).toUpperCase()}`;
}

export interface TermSafeOptions {
  /**
   * For whole output lines built by our renderers: keep newlines and SGR styling (colours).
   * Off (the default) for a single value: everything is escaped, a newline too.
   */
  styled?: boolean;
}

/** `text` with every control character written as an escape (`\n`, `\e`, `\x07`, `\u202E`). */
export function termSafe(text: string, opts: TermSafeOptions = {}): string {
  if (opts.styled) return text.replace(CONTROLS_BUT_STYLE, (m) => (m.length > 1 ? m : visible(m)));
  return text.replace(ALL_CONTROLS, visible);
}
