#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/bundle/ (npm run build, after tsc):
//   pcsc.cjs  the entry bin/run.js loads (src/cli/main.ts: the fast path), and the core's error
//             classes, which every other fast-*.cjs requires from it (sharedErrors)
//   fast-*.cjs the fast path's command bodies and the files they load now and then (SEPARATE);
//             the fast path is CommonJS
//   oclif.js  oclif (ES modules, loaded by bin/run.js when the fast path declines), every command
//             of src/commands, the command_not_found hook and the help class:
//             package.json's oclif.commands (explicit discovery: no directory walk), oclif.hooks
//             and oclif.helpClass point here
//   chunk-*.js what a command loads when it needs it (each `import()` stays lazy)
// Start-up is why (bench/README.md): Node's ESM loader spends ~0.5 ms a module, and oclif alone
// is ~200 of them. Source maps (.js.map, no sources inside) map stack traces back to src/ when
// bin/run.js enables them. The library entry points stay tsc's files in dist/core/; tsc's
// dist/cli/ and dist/commands/ are removed: only the bundle runs the CLI.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');

/** src/commands/a.ts → "a", src/commands/a/b.ts → "a:b" (a/index.ts → "a"), as oclif names them. */
export function commandFiles(dir, prefix = []) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      if (e.isDirectory()) return commandFiles(join(dir, e.name), [...prefix, e.name]);
      if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) return [];
      const name = e.name.slice(0, -3);
      return [{ id: [...prefix, ...(name === 'index' ? [] : [name])].join(':'), file: join(dir, e.name) }];
    });
}

/** The licence of every package the bundle holds code of (their licences ask for the notice to travel with the code). */
function notices(...metafiles) {
  const pkgs = new Set();
  for (const input of metafiles.flatMap((m) => Object.keys(m.inputs))) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) pkgs.add(m[1]);
  }
  const parts = [...pkgs].sort().map((dir) => {
    const meta = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `License: ${meta.license}`;
    return `${meta.name}@${meta.version} (${meta.license})\n\n${text}\n`;
  });
  return `dist/bundle/ holds code of these packages (scripts/bundle.js):\n\n${parts.join('\n' + '-'.repeat(72) + '\n\n')}`;
}

const commands = commandFiles(join(root, 'src', 'commands'));
const OCLIF_ENTRY = 'pcsc-oclif-entry';
const oclifEntry = [
  ...commands.map((c, i) => `import c${i} from ${JSON.stringify('./' + relative(root, c.file))};`),
  `export const commands = { ${commands.map((c, i) => `${JSON.stringify(c.id)}: c${i}`).join(', ')} };`,
  `export { default as notFound } from './src/cli/not-found.ts';`,
  `export { default as help } from './src/cli/help.ts';`,
  `export { execute } from '@oclif/core/execute';`,
].join('\n');

/** What both builds share: ES modules for Node 20, built-ins required, readable, with source maps. */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: out,
  // oclif's CommonJS modules call require(): give the bundle one.
  banner: {
    js: "import { createRequire as __pcscRequire } from 'node:module';\nconst require = __pcscRequire(import.meta.url);",
  },
  // typescript and ts-node: oclif's development mode only (absent when installed). usb: native, optional.
  external: ['typescript', 'ts-node', 'usb'],
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
};

/**
 * Our own modules have no side effects when imported (none runs code at its top level beyond
 * declarations), so a module of src/ whose exports go unused is left out, even when it comes in
 * through an index (`atr HEX` imports src/core/index.ts and so never loads node:net). For the
 * bundle only: the published dist/core/ is left as tsc writes it.
 */
const sideEffectFree = {
  name: 'side-effect-free-src',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) => {
      if (!a.importer.startsWith(join(root, 'src') + '/')) return undefined;
      const ts = join(a.resolveDir, a.path.replace(/\.js$/, '.ts'));
      return existsSync(ts) ? { path: ts, sideEffects: false } : undefined;
    });
  },
};

const builtinsByRequire = {
  // `import { x } from 'node:fs'` in an ES module makes Node build the module's whole ESM
  // facade, running every lazy getter (fs loads the streams, util parseArgs and MIMEType):
  // ~10 ms. require() hands over the object as it is; the bundle imports built-ins that way.
  name: 'builtins-by-require',
  setup(b) {
    const names = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    b.onResolve({ filter: /^[a-z_:/]+$/ }, (a) =>
      names.has(a.path) && a.kind !== 'require-call' ? { path: a.path, namespace: 'builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(a.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The fast path's files (src/cli/fast.ts, CommonJS: see below). Each command body it runs is one
 * file; so is each module it loads only now and then (a failure's hint, `--version --verbose`'s
 * daemon probe, `atr --update` and its spinner, the USB backend), rather than inlined, so the
 * common case does not parse them. Each holds its own copy of what it imports, except the core's
 * error classes (sharedErrors): only modules whose other classes no other copy tests with
 * instanceof belong here.
 */
const SEPARATE = {
  'src/cli/scan/readers-command.ts': 'fast-scan',
  'src/cli/apdu/command.ts': 'fast-apdu',
  'src/cli/atr/command.ts': 'fast-atr',
  'src/cli/version/command.ts': 'fast-version',
  'src/cli/doctor/command.ts': 'fast-doctor',
  'src/cli/clients/command.ts': 'fast-clients',
  'src/cli/service-hint.ts': 'fast-service-hint',
  'src/cli/busy-hint.ts': 'fast-busy-hint',
  'src/cli/version/daemon.ts': 'fast-version-daemon',
  'src/cli/atr/update.ts': 'fast-atr-update',
  // The ATR from stdin or the card: the card's needs the PC/SC client, which `atr HEX` does not load.
  'src/cli/atr/input.ts': 'fast-atr-input',
  // The USB backend (~60 kB): `--backend usb`, or `auto` when pcscd does not answer. Its errors are
  // the caller's (PcscError, CcidError: the script runner and the monitor test them with instanceof).
  'src/core/ccid/context.ts': 'fast-ccid',
  // chalk, for a terminal only (src/cli/style.ts); the interactive `pcsc apdu`, for a terminal only.
  'src/cli/colour.ts': 'fast-colour',
  'src/cli/apdu/interactive.ts': 'fast-apdu-interactive',
};
/**
 * `import('./x.js')` of a SEPARATE module → a require('./fast-x.cjs') of the file that holds it, so
 * Node's ES module loader stays off. Only these: any other import() stays an import(), e.g. the
 * optional `usb` package's, whose failure reads the same on both paths ("Cannot find package").
 */
const separate = {
  name: 'separate-files',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (a) => {
      if (a.kind === 'require-call' && /^\.\/fast-[a-z-]+\.cjs$/.test(a.path)) return { path: a.path, external: true };
      if (a.kind !== 'dynamic-import') return undefined;
      const file = relative(root, join(a.resolveDir, a.path.replace(/\.js$/, '.ts')));
      return SEPARATE[file] ? { path: SEPARATE[file], namespace: 'separate' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'separate' }, (a) => ({
      contents: `module.exports = require(${JSON.stringify(`./${a.path}.cjs`)});`,
      resolveDir: out,
      loader: 'js',
    }));
  },
};

/**
 * One copy of the core's error classes for the whole fast path, so that `instanceof PcscError`
 * holds whichever file threw: pcsc.cjs (loaded first, always) holds src/core/errors.ts and exports
 * it, and every other fast file imports it from there instead of holding a copy of its own.
 */
const ERRORS = join(root, 'src', 'core', 'errors.ts');
const sharedErrors = {
  name: 'shared-errors',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (a) =>
      join(a.resolveDir, a.path.replace(/\.js$/, '.ts')) === ERRORS
        ? { path: './pcsc.cjs', external: true }
        : undefined,
    );
  },
};
const PCSC_ENTRY = 'pcsc-fast-entry';
const pcscEntry = {
  name: 'pcsc-entry',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${PCSC_ENTRY}$`) }, () => ({ path: PCSC_ENTRY, namespace: PCSC_ENTRY }));
    b.onLoad({ filter: /.*/, namespace: PCSC_ENTRY }, () => ({
      contents: `export { main } from './src/cli/main.ts';\nexport * from './src/core/errors.ts';`,
      resolveDir: root,
      loader: 'js',
    }));
  },
};

rmSync(out, { recursive: true, force: true });
// The fast path (src/cli/main.ts, src/cli/fast.ts) and the files it loads: CommonJS, one file
// each, no splitting (measured: a file of 100-300 kB loads faster than the 20-30 chunks splitting
// cuts it into). CommonJS because a process whose entry (bin/run.js, bin/package.json) and modules
// are all CommonJS never starts Node's ES module loader: ~5 ms of CPU at every start (bench/README.md).
// import.meta.url is the file's own URL, as in an ES module.
const fastCommon = {
  ...common,
  format: 'cjs',
  banner: { js: "const __pcscUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__pcscUrl' },
  outExtension: { '.js': '.cjs' },
  splitting: false,
};
const fastEntry = await build({
  ...fastCommon,
  entryPoints: [{ in: PCSC_ENTRY, out: 'pcsc' }],
  plugins: [pcscEntry, separate, sideEffectFree],
});
const fast = await build({
  ...fastCommon,
  entryPoints: Object.entries(SEPARATE).map(([file, name]) => ({ in: file, out: name })),
  plugins: [separate, sharedErrors, sideEffectFree],
});
// oclif's path: every command, split so that a command loads only what it uses.
const result = await build({
  ...common,
  entryPoints: [{ in: OCLIF_ENTRY, out: 'oclif' }],
  plugins: [
    {
      name: 'oclif-entry',
      setup(b) {
        b.onResolve({ filter: new RegExp(`^${OCLIF_ENTRY}$`) }, () => ({ path: OCLIF_ENTRY, namespace: OCLIF_ENTRY }));
        b.onLoad({ filter: /.*/, namespace: OCLIF_ENTRY }, () => ({
          contents: oclifEntry,
          resolveDir: root,
          loader: 'js',
        }));
      },
    },
    sideEffectFree,
    builtinsByRequire,
  ],
  splitting: true,
  chunkNames: 'chunk-[hash]',
});
rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
rmSync(join(root, 'dist', 'commands'), { recursive: true, force: true });
if (process.env.PCSC_BUNDLE_META) writeFileSync(process.env.PCSC_BUNDLE_META, JSON.stringify(result.metafile));
const fastMeta = {
  inputs: { ...fastEntry.metafile.inputs, ...fast.metafile.inputs },
  outputs: { ...fastEntry.metafile.outputs, ...fast.metafile.outputs },
};
if (process.env.PCSC_FAST_META) writeFileSync(process.env.PCSC_FAST_META, JSON.stringify(fastMeta));
writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), notices(result.metafile, fastMeta));
const files = [...Object.keys(fastMeta.outputs), ...Object.keys(result.metafile.outputs)].filter((f) =>
  /\.c?js$/.test(f),
);
process.stdout.write(`dist/bundle/: ${commands.length} commands, ${files.length} files\n`);
