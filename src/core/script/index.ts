// "pcsc/script": APDU scripts as `pcsc apdu` runs them: scriptor's text format, expected status
// words ("61XX"), GET RESPONSE and Le correction on each command, PIN and key redaction in
// records, and a safe read of the script file a user names.

export { parseApduText, parseScript } from './parse.js';
export type { ApduItem, ApduTextOptions, ParseScriptOptions, ResetItem, ScriptItem } from './parse.js';
export { repeatScript, runScript, ScriptAbort } from './runner.js';
export type { ApduRecord, RepeatOutcome, ResetRecord, RunOptions, RunOutcome, RunRecord } from './runner.js';
export { exchange, getResponseApdu, type Step, type T0Options, type T0Result } from '../card/t0.js';
export { matchSw, parseSwPattern, parseSwPatterns, swPatternsText, type SwPattern } from '../card/sw.js';
export { isSecretCommand, redactCommandHex, SECRET_COMMANDS, secretRanges } from '../card/redact.js';
export type { RedactOptions, SecretCommand } from '../card/redact.js';
export { readUserFile, type ReadUserFileOptions } from '../user-file.js';
