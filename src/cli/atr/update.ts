// `pcsc atr --update`: the download with a progress indicator on a terminal, silence otherwise.

import { downloadAtrList, type DownloadAtrListResult } from '../../core/atr-list/index.js';

export interface UpdateOptions {
  url?: string | undefined;
  timeoutSeconds: number;
  signal: AbortSignal;
  /** Show a spinner with the byte count (only on a terminal, never with --json). */
  progress: boolean;
}

export async function updateAtrList(opts: UpdateOptions): Promise<DownloadAtrListResult> {
  type Spinner = { text: string; start(): unknown; stop(): unknown };
  let spinner: Spinner | null = null;
  if (opts.progress) {
    const { default: ora } = await import('ora');
    const { useColor } = await import('../style.js');
    spinner = ora({
      text: 'Downloading the ATR list…',
      stream: process.stderr,
      discardStdin: false,
      color: useColor(process.stderr) ? 'cyan' : false,
    }) as Spinner;
    spinner.start();
  }
  try {
    return await downloadAtrList({
      url: opts.url,
      timeout: opts.timeoutSeconds * 1000,
      signal: opts.signal,
      onProgress: spinner
        ? ({ received, total }) => {
            const kb = (n: number): string => `${Math.round(n / 1024)} KiB`;
            (spinner as Spinner).text =
              `Downloading the ATR list… ${kb(received)}${total ? ` of ${kb(total)} (${Math.floor((received * 100) / total)}%)` : ''}`;
          }
        : undefined,
    });
  } finally {
    spinner?.stop();
  }
}
