// Node module hooks that run the benchmarks' TypeScript without a build step: `.js` imports
// resolve to the `.ts` file beside them, and `.ts` is transpiled (types erased) by TypeScript.
// Only bench/ and test/rig/ go through this; what is measured runs from dist/ or is the core's
// transpiled source.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'node:module';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const ts = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (ts.protocol === 'file:' && existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}

let typescript;
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  typescript ??= (await import('typescript')).default;
  const source = readFileSync(fileURLToPath(url), 'utf8');
  const out = typescript.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022, sourceMap: false },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}

if (!import.meta.url.includes('?hooks')) register(import.meta.url + '?hooks');
