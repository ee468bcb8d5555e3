#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/bundle/ (npm run build, after tsc):
//   pcsc.cjs  the entry bin/run.js loads (src/cli/main.ts: the fast path), and the core's error
//             classes, which every other .cjs file requires from it (sharedErrors)
//   code-cache.cjs  a V8 code cache for the .cjs files on Node.js < 22.1 (src/cli/code-cache.ts)
//   fast-*.cjs the files the fast path loads (SEPARATE); oclif's commands load the same files for
//             the same bodies
//   oclif.cjs  oclif (loaded by bin/run.js when the fast path declines), the command_not_found
//             hook, the help class and every command class of src/commands (package.json's
//             oclif.hooks, oclif.helpClass and oclif.commands, explicit discovery: no directory
//             walk), each command's module run only when oclif asks for its class; the manifest
//             (oclif.manifest.json) tells it all the help needs (OCLIF_ENTRY_SOURCE)
//   oclif-*.cjs other modules oclif's commands import, one file each (OCLIF_FILES)
//   lazy-*.cjs packages only paths of oclif that pcsc never takes need (LAZY_PACKAGES)
// All CommonJS, so that Node never starts its ES module loader (~5 ms) and every file can come
// from the code cache. Start-up is why (bench/README.md): oclif alone is ~200 modules. Source maps (.js.map, no sources inside) map stack traces back to src/ when
// bin/run.js enables them. The library entry points stay tsc's files in dist/core/; tsc's
// dist/cli/ and dist/commands/ are removed: only the bundle runs the CLI.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  for (const key of metafiles.flatMap((m) => Object.keys(m.inputs))) {
    // A built-in's shim is no package's code; a plugin's namespace ("ascii-string-width:/abs/path")
    // names the file after its colon.
    if (key.startsWith('builtin:')) continue;
    const input = key.replace(/^[a-z-]+:\//, '/').replace(root + '/', '');
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
// oclif's path, one CommonJS file (oclif.cjs): oclif, the command_not_found hook and the help class
// (package.json's oclif.hooks and oclif.helpClass), and the command classes (oclif.commands), each
// a getter that require()s its command's module on first use: esbuild initialises a module reached
// by require() only then, so `pcsc --help` runs no command's module and `pcsc scan` only scan's.
const OCLIF_ENTRY_SOURCE = [
  // The hook's modules (the usage error, the core's errors) load only when a command is unknown.
  `export async function notFound(opts) { return (await import('./src/cli/not-found.ts')).default.call(this, opts); }`,
  `export { default as help } from './src/cli/help.ts';`,
  `export { execute } from '@oclif/core/execute';`,
  `export const commands = {`,
  ...commands.map(
    (c) =>
      `  get ${JSON.stringify(c.id)}() { return require(${JSON.stringify('./' + relative(root, c.file))}).default; },`,
  ),
  `};`,
].join('\n');
const OCLIF_ENTRY = 'pcsc-oclif-entry';

/**
 * What every build shares: CommonJS for Node 20, one file per entry (no splitting), readable, with
 * source maps. CommonJS because a process whose entry (bin/run.js, bin/package.json) and modules are
 * all CommonJS never starts Node's ES module loader: ~5 ms of CPU at every start (bench/README.md);
 * measured, a file of 100-300 kB loads faster than the 20-30 chunks splitting cuts it into.
 * import.meta.url is the file's own URL, as in an ES module.
 */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outdir: out,
  outExtension: { '.js': '.cjs' },
  splitting: false,
  banner: { js: "const __pcscUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__pcscUrl' },
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

/**
 * The fast path's files (src/cli/fast.ts). Each command body it runs is one
 * file; so is each module it loads only now and then (a failure's hint, `--version --verbose`'s
 * daemon probe, `atr --update` and its spinner, the USB backend), rather than inlined, so the
 * common case does not parse them. Each holds its own copy of what it imports, except the core's
 * error classes (sharedErrors): only modules whose other classes no other copy tests with
 * instanceof belong here.
 */
const SEPARATE = {
  'src/cli/scan/readers-command.ts': 'fast-scan',
  'src/cli/scan/cards-command.ts': 'fast-scan-cards',
  'src/cli/scan/watch-command.ts': 'fast-scan-watch',
  'src/cli/apdu/command.ts': 'fast-apdu',
  'src/cli/atr/command.ts': 'fast-atr',
  'src/cli/version/command.ts': 'fast-version',
  'src/cli/doctor/command.ts': 'fast-doctor',
  'src/cli/clients/command.ts': 'fast-clients',
  'src/cli/completion/command.ts': 'fast-completion',
  // The reader names the completion scripts ask for at TAB time: the PC/SC client, which printing a script does not load.
  'src/cli/completion/values.ts': 'fast-completion-values',
  'src/cli/udev-check/command.ts': 'fast-udev-check',
  'src/cli/ssh-check/command.ts': 'fast-ssh-check',
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
  // The optional `usb` package's import(): the one import() left, in a file of its own, so that
  // every other .cjs file can be compiled from src/cli/code-cache.ts's cache.
  'src/core/ccid/usb-module.ts': 'fast-usb-module',
};

/**
 * oclif's own modules (@oclif/core/lib, TypeScript's CommonJS output) require every module they
 * might use at their top: `const errors_1 = require("../errors");`, so loading the command
 * framework evaluated all of them (globbing, ejs, spinners, the TypeScript loader, perf_hooks,
 * child_process…) whatever the command line. Here each such top-level require becomes a function
 * that requires the module on first use (`errors_1.x` → `(__lazy_errors_1()).x`): a module no code
 * path of this run touches is never evaluated. The same modules run in the same way, only later:
 * these CommonJS modules read nothing at their top that could change meanwhile (settings and the
 * cache are singletons whichever module first asks for them). The bundle's copy only.
 */
const LAZY_REQUIRE =
  /^const ([A-Za-z_$][\w$]*) = ((?:__importDefault|__importStar)\(require\("[^"]+"\)\)|require\("[^"]+"\));$/gm;
function lazyRequires(source) {
  const names = [];
  const body = source.replace(LAZY_REQUIRE, (_, name, expr) => {
    names.push(name);
    return `var __lazyv_${name}; function __lazy_${name}() { return __lazyv_${name} ??= ${expr}; }`;
  });
  if (names.length === 0) return source;
  const refs = new RegExp(`(?<![.\\w$])(${names.map((n) => n.replace(/\$/g, '\\$')).join('|')})(?![\\w$])`, 'g');
  return body
    .split('\n')
    .map((line) => (line.startsWith('var __lazyv_') ? line : line.replace(refs, '(__lazy_$1())')))
    .join('\n');
}
/**
 * oclif's help renders every text as an ejs template (help/util.js's `template`): ejs compiles each
 * into a function, most of what `pcsc COMMAND --help` spent. src/cli/help-template.ts renders the
 * texts ejs would leave as they are (no tag, or `<%= config.bin %>` only) and hands the others on.
 * The build fails if oclif's line is not there, rather than leave the help on ejs unnoticed.
 */
const HELP_TEMPLATE = [
  'return ejs_1.default.render(t, context);',
  'return (__pcscPlain(t, context) ?? ejs_1.default.render(t, context));',
];
function helpTemplate(source) {
  if (!source.includes(HELP_TEMPLATE[0]))
    throw new Error(`@oclif/core/lib/help/util.js: "${HELP_TEMPLATE[0]}" not found`);
  const helper = JSON.stringify(join(root, 'src', 'cli', 'help-template.ts'));
  return `const { renderPlain: __pcscPlain } = require(${helper});\n${source.replace(HELP_TEMPLATE[0], HELP_TEMPLATE[1])}`;
}
/**
 * Config.load asks getPlatform (util/os.js), which imports wsl-utils for its `isWsl` — is-wsl's
 * answer, re-exported — and so loaded child_process, fs/promises and PowerShell helpers, in files
 * of their own. Here getPlatform takes is-wsl's answer itself, and the PowerShell path (Windows
 * shells only) requires wsl-utils where it is used: both in oclif's files, evaluated only when
 * reached. The build fails if oclif's lines are not there.
 */
const WSL_IMPORT = "(await import('wsl-utils'))";
function wslCheck(source) {
  if (!source.includes(`${WSL_IMPORT}.isWsl`) || !source.includes(`${WSL_IMPORT}.powerShellPath`))
    throw new Error(`@oclif/core/lib/util/os.js: "${WSL_IMPORT}" not found`);
  return source
    .replace(`${WSL_IMPORT}.isWsl`, 'require("is-wsl").default')
    .replaceAll(WSL_IMPORT, 'require("wsl-utils")');
}
/**
 * oclif import()s a plugin's ES module (module-loader.js; none of pcsc's, whose targets are .cjs) and
 * the TypeScript loader of a plugin in development (ts-path.js). A file that calls import() cannot
 * come from the code cache (src/cli/code-cache.ts), so each such call is oclif-import.cjs's, and the
 * error message naming it is spelled so that no `import(` is left in oclif.cjs's text (the build
 * checks it). The build fails if oclif's message is not there.
 */
const OCLIF_IMPORT = /\bawait import\(/g;
const LOADER_MESSAGE = "isESM ? 'import()' : 'require'";
function moduleLoaderMessage(source) {
  if (!source.includes(LOADER_MESSAGE))
    throw new Error(`@oclif/core/lib/module-loader.js: "${LOADER_MESSAGE}" not found`);
  return source.replace(LOADER_MESSAGE, "isESM ? ['import', '()'].join('') : 'require'");
}
/**
 * oclif's Plugin sorts its commands by id with localeCompare, whose first call starts ICU's
 * collator (~5 ms of every start on oclif's path). scripts/manifest.js writes oclif.manifest.json's
 * commands in that order already, and says so (`pcscSorted`): then the sort keeps them as they are
 * (a stable sort that finds every pair equal). Without that manifest, oclif sorts as ever. The build
 * fails if oclif's line is not there.
 */
const PLUGIN_SORT = '.sort((a, b) => a.id.localeCompare(b.id));';
function pluginSort(source) {
  if (!source.includes(PLUGIN_SORT)) throw new Error(`@oclif/core/lib/config/plugin.js: "${PLUGIN_SORT}" not found`);
  return source.replace(
    PLUGIN_SORT,
    '.sort(this.manifest.pcscSorted === true ? () => 0 : (a, b) => a.id.localeCompare(b.id));',
  );
}
const OCLIF_EDITS = {
  [join('lib', 'config', 'plugin.js')]: pluginSort,
  [join('lib', 'help', 'util.js')]: helpTemplate,
  [join('lib', 'util', 'os.js')]: wslCheck,
  [join('lib', 'module-loader.js')]: moduleLoaderMessage,
};
const oclifSources = {
  name: 'oclif-sources',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/ }, (a) => {
      const source = readFileSync(a.path, 'utf8');
      const edit = Object.entries(OCLIF_EDITS).find(([file]) => a.path.endsWith(join('core', file)))?.[1];
      const edited = (edit ? edit(source) : source).replace(OCLIF_IMPORT, 'await require("./oclif-import.cjs")(');
      return { contents: lazyRequires(edited), loader: 'js' };
    });
  },
};

/**
 * string-width 4 (wrap-ansi's and oclif's help's, once per word and per character): for a string
 * of printable ASCII it is the string's length — strip-ansi has nothing to strip (escapes start
 * with ESC or CSI), every match of its emoji-regex 8 holds a non-ASCII character (its only ASCII
 * alternatives, [#*0-9], must be followed by U+FE0F), and no ASCII character is wide or
 * zero-width. So such strings get their length here and every other goes to string-width.
 */
const asciiWidth = {
  name: 'ascii-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (a) => {
      if (a.namespace === 'ascii-string-width') return undefined;
      const real = await b.resolve(a.path, { kind: a.kind, resolveDir: a.resolveDir, namespace: 'ascii-string-width' });
      const version = JSON.parse(readFileSync(join(dirname(real.path), 'package.json'), 'utf8')).version;
      if (!version.startsWith('4.')) return undefined;
      return { path: real.path, namespace: 'ascii-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'ascii-string-width' }, (a) => ({
      contents: [
        `const real = require(${JSON.stringify(a.path)});`,
        'const width = (s) => (typeof s === "string" && /^[\\x20-\\x7e]*$/.test(s) ? s.length : real(s));',
        'module.exports = width;',
        'module.exports.default = width;',
      ].join('\n'),
      resolveDir: dirname(a.path),
      loader: 'js',
    }));
  },
};

/**
 * What oclif's commands import that the fast path does not, as a file of its own: the doctor's
 * checks (clients and udev-check run some; scripts/manifest.js lists their ids for `pcsc
 * completion`), which oclif.cjs then leaves out. As SEPARATE's: data crosses, errors are recognised
 * by their shape.
 */
const OCLIF_FILES = {
  'src/core/doctor/index.ts': 'oclif-doctor',
};
/**
 * `import('./x.js')` of a module in `files` (source path → file name) → a require('./NAME.cjs') of
 * the file that holds it (`statically`: an `import` statement's too): so that a command's body is
 * the one file both paths run. Any other import() of our modules is esbuild's (the module, in the
 * same file, initialised then); one of a package outside the bundle stays an import(), e.g. the
 * optional `usb` package's, in a file of its own (fast-usb-module.cjs).
 */
function separateFiles(files, { statically = {} } = {}) {
  return {
    name: 'separate-files',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (a) => {
        if (a.kind === 'require-call' && /^\.\/(fast|oclif)-[a-z-]+\.cjs$/.test(a.path))
          return { path: a.path, external: true };
        const file = relative(root, join(a.resolveDir, a.path.replace(/\.js$/, '.ts')));
        const name =
          a.kind === 'dynamic-import' ? files[file] : a.kind === 'import-statement' ? statically[file] : undefined;
        return name ? { path: name, namespace: 'separate' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'separate' }, (a) => ({
        contents: `module.exports = require(${JSON.stringify(`./${a.path}.cjs`)});`,
        resolveDir: out,
        loader: 'js',
      }));
    },
  };
}

/**
 * Packages oclif requires only on paths pcsc never takes with its explicit command list and its
 * manifest: directory globbing (tinyglobby: commands found by pattern), plugin name patterns
 * (minimatch), the oclif section of a package.json without one (lilconfig), ejs for a help text
 * with a tag other than `<%= config.bin %>` (src/cli/help-template.ts) and wsl-utils' PowerShell
 * path (Windows). Each is a CommonJS file of its own (lazy-NAME.cjs), required (oclif's requires
 * are lazy, see lazyRequires) only if such a path is taken, instead of ~140 kB parsed at every start.
 */
const LAZY_PACKAGES = ['ejs', 'tinyglobby', 'minimatch', 'lilconfig', 'wsl-utils'];
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${LAZY_PACKAGES.join('|')})$`) }, (a) =>
      a.kind === 'require-call' && /[\\/]@oclif[\\/]core[\\/]lib[\\/]/.test(a.importer)
        ? { path: `./lazy-${a.path}.cjs`, external: true }
        : undefined,
    );
  },
};

/**
 * oclif's logger (lib/logger.js, the only user of `debug` in oclif) makes a debug function per
 * namespace at every start, which loaded debug, supports-color, tty and os. debug reads $DEBUG
 * once, when loaded, and prints nothing for any namespace when it is unset or empty (no code of
 * oclif or ours calls its enable()). So while $DEBUG is unset or empty, oclif's logger gets a
 * function that does nothing, as debug's would; with $DEBUG set, debug itself, as before.
 */
const quietDebug = {
  name: 'quiet-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, async (a) => {
      if (!/[\\/]@oclif[\\/]core[\\/]lib[\\/]logger\.js$/.test(a.importer)) return undefined;
      const real = await b.resolve('debug', { kind: a.kind, resolveDir: a.resolveDir });
      return { path: real.path, namespace: 'quiet-debug' };
    });
    b.onLoad({ filter: /.*/, namespace: 'quiet-debug' }, (a) => ({
      contents: [
        `const quiet = () => {};`,
        `module.exports = (namespace) => (process.env.DEBUG ? require(${JSON.stringify(a.path)})(namespace) : quiet);`,
      ].join('\n'),
      resolveDir: dirname(a.path),
      loader: 'js',
    }));
  },
};

/**
 * One copy of the core's error classes for the whole CLI, so that `instanceof PcscError` holds
 * whichever file threw: pcsc.cjs (bin/run.js loads it first, always) holds src/core/errors.ts and
 * exports it; every other .cjs file requires it from there (a USB backend error from fast-ccid.cjs
 * meets the monitor of `pcsc scan`'s watch, in oclif.cjs, as the same class).
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
// The fast path (src/cli/main.ts, src/cli/fast.ts) and the files it loads.
const fastEntry = await build({
  ...common,
  entryPoints: [
    { in: PCSC_ENTRY, out: 'pcsc' },
    // bin/run.js loads it first on Node.js < 22.1 (src/cli/code-cache.ts): before pcsc.cjs, so no sharedErrors.
    { in: 'src/cli/code-cache.ts', out: 'code-cache' },
  ],
  plugins: [pcscEntry, separateFiles(SEPARATE), sideEffectFree],
});
const fast = await build({
  ...common,
  entryPoints: Object.entries({ ...SEPARATE, ...OCLIF_FILES }).map(([file, name]) => ({ in: file, out: name })),
  plugins: [separateFiles(SEPARATE), sharedErrors, sideEffectFree],
});
const fastMeta = {
  inputs: { ...fastEntry.metafile.inputs, ...fast.metafile.inputs },
  outputs: { ...fastEntry.metafile.outputs, ...fast.metafile.outputs },
};
// oclif's path: oclif.cjs (OCLIF_ENTRY_SOURCE), and oclif-import.cjs (OCLIF_IMPORT).
const result = await build({
  ...common,
  entryPoints: [
    { in: OCLIF_ENTRY, out: 'oclif' },
    { in: `${OCLIF_ENTRY}-import`, out: 'oclif-import' },
  ],
  plugins: [
    {
      name: 'oclif-entry',
      setup(b) {
        b.onResolve({ filter: new RegExp(`^${OCLIF_ENTRY}(-import)?$`) }, (a) => ({
          path: a.path,
          namespace: OCLIF_ENTRY,
        }));
        b.onResolve({ filter: /^\.\/oclif-import\.cjs$/ }, (a) =>
          a.kind === 'require-call' ? { path: a.path, external: true } : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: OCLIF_ENTRY }, (a) => ({
          contents: a.path === OCLIF_ENTRY ? OCLIF_ENTRY_SOURCE : 'module.exports = (url) => import(url);',
          resolveDir: root,
          loader: 'js',
        }));
      },
    },
    oclifSources,
    lazyPackages,
    quietDebug,
    asciiWidth,
    // OCLIF_FILES' modules for a static import too (`proxy --print-systemd` imports the doctor's
    // index): otherwise oclif.cjs holds a second copy.
    separateFiles({ ...SEPARATE, ...OCLIF_FILES }, { statically: OCLIF_FILES }),
    sharedErrors,
    sideEffectFree,
  ],
});
if (readFileSync(join(out, 'oclif.cjs'), 'utf8').includes('import('))
  throw new Error('dist/bundle/oclif.cjs calls import(): the code cache would pass it over (OCLIF_IMPORT)');
rmSync(join(root, 'dist', 'cli'), { recursive: true, force: true });
rmSync(join(root, 'dist', 'commands'), { recursive: true, force: true });
// LAZY_PACKAGES, each one CommonJS file with all it needs.
const lazy = await build({
  ...common,
  // Each file's module.exports is what oclif's require(NAME) got when bundled with it.
  entryPoints: LAZY_PACKAGES.map((name) => ({ in: `lazy-package:${name}`, out: `lazy-${name}` })),
  plugins: [
    {
      name: 'lazy-package',
      setup(b) {
        b.onResolve({ filter: /^lazy-package:/ }, (a) => ({ path: a.path.slice(13), namespace: 'lazy-package' }));
        b.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (a) => ({
          contents: `module.exports = require(${JSON.stringify(a.path)});`,
          resolveDir: root,
          loader: 'js',
        }));
      },
    },
  ],
  banner: {},
  define: {},
});
if (process.env.PCSC_BUNDLE_META) writeFileSync(process.env.PCSC_BUNDLE_META, JSON.stringify(result.metafile));
if (process.env.PCSC_FAST_META) writeFileSync(process.env.PCSC_FAST_META, JSON.stringify(fastMeta));
writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), notices(result.metafile, fastMeta, lazy.metafile));
const files = [fastMeta, result.metafile, lazy.metafile]
  .flatMap((m) => Object.keys(m.outputs))
  .filter((f) => /\.c?js$/.test(f));
process.stdout.write(`dist/bundle/: ${commands.length} commands, ${files.length} files\n`);
