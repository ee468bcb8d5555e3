// Module hooks for scripts/run-ts.js: load this repository's .ts files by transpiling them with
// typescript (a devDependency that `npm ci` installs), and let NodeNext-style `./x.js` imports find
// `./x.ts`. Types are not checked here: `npm run lint` does that.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

const isTs = (url) => url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/');

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (e) {
    const fromTs = context.parentURL !== undefined && isTs(context.parentURL);
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !fromTs || !/^\.\.?\/.*\.js$/.test(specifier)) throw e;
    return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
  }
}

export async function load(url, context, nextLoad) {
  if (!isTs(url)) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
