// The reader of our stdout went away (`pcsc … | head`): oclif swallows EPIPE, so a command that
// runs until stopped must notice it itself and stop, as a Unix filter does on SIGPIPE.

/** Calls `fn` when a write to stdout fails with EPIPE; returns the function that stops listening. */
export function onStdoutClosed(fn: () => void): () => void {
  const onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') fn();
  };
  process.stdout.on('error', onError);
  return () => void process.stdout.off('error', onError);
}
