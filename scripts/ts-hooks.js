// Module hooks for scripts/run-ts.js: load this repository's .ts files by transpiling them with
// typescript (a devDependency that `npm ci` installs), and let NodeNext-style `./x.js` imports find
// `./x.ts`. Types are not checked here: `npm run lint` does that. `syncHooks` is for
// module.registerHooks (in-thread, Node >= 22.15); `resolve` and `load` for module.register.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const isTs = (url) => url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/');

let ts;
function transpile(url, source) {
  ts ??= createRequire(import.meta.url)('typescript');
  const compilerOptions = { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, inlineSourceMap: true };
  return ts.transpileModule(source, { fileName: url, compilerOptions }).outputText;
}

/** `./x.ts` for an `./x.js` import from a .ts file that found nothing; else null. */
function tsSibling(error, specifier, parentURL) {
  const fromTs = parentURL !== undefined && isTs(parentURL);
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !fromTs || !/^\.\.?\/.*\.js$/.test(specifier)) return null;
  return specifier.replace(/\.js$/, '.ts');
}

const loaded = (url, source) => ({ format: 'module', source: transpile(url, source), shortCircuit: true });

export const syncHooks = {
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (e) {
      const sibling = tsSibling(e, specifier, context.parentURL);
      if (sibling === null) throw e;
      return nextResolve(sibling, context);
    }
  },
  load(url, context, nextLoad) {
    return isTs(url) ? loaded(url, readFileSync(new URL(url), 'utf8')) : nextLoad(url, context);
  },
};

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    const sibling = tsSibling(e, specifier, context.parentURL);
    if (sibling === null) throw e;
    return nextResolve(sibling, context);
  }
}

export async function load(url, context, nextLoad) {
  return isTs(url) ? loaded(url, await readFile(new URL(url), 'utf8')) : nextLoad(url, context);
}
