// Terminal styling: colour only on a TTY and never when NO_COLOR is set (https://no-color.org).

import { Chalk, type ChalkInstance } from 'chalk';

export function useColor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function makeStyle(enabled = useColor()): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}
