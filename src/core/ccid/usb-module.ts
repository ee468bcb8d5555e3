// The one import() of the optional `usb` package (src/core/ccid/transport.ts loads it through
// here): a file of its own in the CLI's bundle, so that no other bundle file holds an import()
// (scripts/bundle.js: a file with one is left out of the code cache of src/cli/code-cache.ts).

/** `import('usb')`, as is: its failure (package missing, native part broken) is the caller's to word. */
export function importUsb(): Promise<unknown> {
  // A variable, so that TypeScript does not ask for the optional package's types.
  const name = 'usb';
  return import(name);
}
