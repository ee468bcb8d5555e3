// Terminal styling: colour only on a TTY and never when NO_COLOR is set (https://no-color.org).
// chalk loads only when colour is on: its import reads the terminal's capabilities (node:tty, and
// with it node:net and the streams), which a pipe, a file or NO_COLOR never needs.

/** The styles the renderers use; a chalk instance is one, and so is the plain style below. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
}

const same = (text: string): string => text;

/** No colour: every style returns its text as it is (as chalk does at level 0). */
export const PLAIN: Style = {
  bold: same,
  dim: same,
  red: same,
  green: same,
  yellow: same,
  blue: same,
  magenta: same,
  cyan: same,
};

export function useColor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  // FORCE_COLOR=0 (or false) asks for none, as Node and supports-color read it; any other value, for colour.
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  if (env.FORCE_COLOR !== undefined) return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export async function makeStyle(enabled = useColor()): Promise<Style> {
  return enabled ? (await import('./colour.js')).colourStyle() : PLAIN;
}
