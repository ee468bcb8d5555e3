// Prints one line per Node.js release line that .ci/run tested, from vitest's JSON reports and the
// .meta files next to them, and exits 1 unless every line ran and passed with nothing skipped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node .ci/summary.mjs REPORT_DIR');
  process.exit(2);
}
const MODES = {
  npm: 'whole suite (npm test)',
  full: 'whole suite but the QEMU guest files',
  cli: 'unit + CLI on the real pcscd',
};
const rows = [];
let ok = true;
for (const meta of readdirSync(dir)
  .filter((f) => f.endsWith('.meta'))
  .sort((a, b) => parseInt(a.slice(5)) - parseInt(b.slice(5)))) {
  const m = Object.fromEntries(
    readFileSync(join(dir, meta), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const json = join(dir, meta.replace(/\.meta$/, '.json'));
  const r = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : undefined;
  const files = r?.testResults.length ?? 0;
  const failedFiles = r?.testResults.filter((t) => t.status !== 'passed').length ?? 0;
  const skipped = (r?.numPendingTests ?? 0) + (r?.numTodoTests ?? 0);
  const passed =
    m.code === '0' && r?.success === true && failedFiles === 0 && skipped === 0 && (r?.numTotalTests ?? 0) > 0;
  ok &&= passed;
  rows.push([
    m.version,
    MODES[m.mode] ?? m.mode,
    r
      ? `${files} files, ${r.numTotalTests} tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`
      : 'no report',
    `${m.seconds} s`,
    passed ? 'ok' : `FAILED${m.note ? ` (${m.note})` : ''}`,
  ]);
}
if (!rows.length) {
  console.error(`ci: no results in ${dir}`);
  process.exit(1);
}
const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log('ci: Node.js release lines tested');
for (const r of rows)
  console.log(
    '  ' +
      r
        .map((c, i) => c.padEnd(width[i]))
        .join('  ')
        .trimEnd(),
  );
process.exit(ok ? 0 : 1);
