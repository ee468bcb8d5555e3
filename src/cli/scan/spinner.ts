// The "waiting" spinner of scan's watch mode: only on a terminal, shown once the watcher has been
// idle a moment (so a burst of events does not flicker), cleared before anything is printed.

import { canSpin } from '../can-spin.js';

export interface IdleSpinner {
  /** Nothing to print for now: show the spinner soon. */
  idle(): void;
  /** About to print: clear the spinner. */
  busy(): void;
}

const NONE: IdleSpinner = { idle: () => undefined, busy: () => undefined };
const DELAY_MS = 150;

export async function idleSpinner(enabled: boolean, text: string): Promise<IdleSpinner> {
  if (!enabled || !canSpin()) return NONE;
  const { default: ora } = await import('ora');
  const { useColor } = await import('../style.js');
  const spinner = ora({
    text,
    stream: process.stderr,
    discardStdin: false,
    color: useColor(process.stderr) ? 'cyan' : false,
  });
  let timer: NodeJS.Timeout | null = null;
  return {
    idle() {
      if (timer || spinner.isSpinning) return;
      timer = setTimeout(() => {
        timer = null;
        spinner.start();
      }, DELAY_MS);
      timer.unref();
    },
    busy() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (spinner.isSpinning) spinner.stop();
    },
  };
}
