// A TypeScript program over some of src/, with the repository's compiler options, for tests that
// read declared types (the --json contracts, the public API).
import { join } from 'node:path';
import ts from 'typescript';

export const ROOT = join(import.meta.dirname, '../../..');

export function programOf(files: readonly string[]): { program: ts.Program; checker: ts.TypeChecker } {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
  });
  return { program, checker: program.getTypeChecker() };
}

/** The exports of a module of the program, by file name. */
export function exportsOf(program: ts.Program, checker: ts.TypeChecker, file: string): ts.Symbol[] {
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`${file} is not in the program`);
  return checker.getExportsOfModule(checker.getSymbolAtLocation(sf) as ts.Symbol);
}
