// How a finished `pcsc apdu` run ends: the closing lines (control answer, repeat summary), the
// one-line error, the exit code, and the `error` member of the JSON result.

import type { ErrorJson } from '../../core/index.js';
import { describeFailure } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { mismatchMessage, renderControl, renderRecord, renderRepeat, type RenderOptions } from './render.js';
import type { ApduRun } from './run.js';

export interface Settled {
  stdout: string[];
  /** The error line, without the `pcsc: ` prefix. */
  stderr: string | null;
  exitCode: number;
  error?: ErrorJson;
  /** Human mode: let BaseCommand print this error as every command does. */
  rethrow?: Error;
}

export function settle(
  run: ApduRun,
  o: RenderOptions & { json: boolean; dataOnly: boolean; repeat?: number | undefined },
): Settled {
  const { result } = run;
  const human = !o.json;
  const stdout: string[] = [];
  if (human && result.control) stdout.push(...renderControl(result.control));
  if (run.mismatch?.kind === 'apdu') {
    // With --repeat nothing was printed yet: show the exchange that failed.
    if (human && !o.dataOnly && o.repeat) stdout.push(...renderRecord(run.mismatch, o));
    if (human && result.repeat) stdout.push(renderRepeat(result.repeat, o.style));
    const round = result.repeat && o.repeat ? `in round ${result.repeat.rounds + 1} of ${o.repeat}` : undefined;
    const message = mismatchMessage(run.mismatch, round);
    return {
      stdout,
      stderr: human ? message : null,
      exitCode: ExitCode.CHECK_FAILED,
      error: { code: 'ESW', name: 'SW_MISMATCH', message },
    };
  }
  if (human && result.repeat) stdout.push(renderRepeat(result.repeat, o.style));
  if (run.failure) {
    if (human) return { stdout, stderr: null, exitCode: 0, rethrow: run.failure };
    const f = describeFailure(run.failure);
    return { stdout, stderr: null, exitCode: f.exitCode, error: f.json };
  }
  return { stdout, stderr: null, exitCode: 0 };
}
