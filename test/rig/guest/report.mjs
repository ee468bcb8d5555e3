// Guest-side reporting: each step prints one "@@ {json}" line that the host test reads back.
export const core = await import(new URL('../../../dist/core/index.js', import.meta.url).href);
export const ccid = await import(new URL('../../../dist/core/ccid/index.js', import.meta.url).href);

export function report(name, value) {
  process.stdout.write(`@@ ${JSON.stringify({ name, value })}\n`);
}

function errorJson(e) {
  return { message: e?.message ?? String(e), code: e?.code, name: e?.name, kind: e?.kind, scardName: e?.scardName };
}

/** Runs one step; its value or its error is reported, never thrown. */
export async function step(name, fn) {
  const t0 = performance.now();
  try {
    const value = await fn();
    process.stdout.write(`@@ ${JSON.stringify({ name, value, ms: Math.round(performance.now() - t0) })}\n`);
    return value;
  } catch (e) {
    process.stdout.write(
      `@@ ${JSON.stringify({ name, error: errorJson(e), ms: Math.round(performance.now() - t0) })}\n`,
    );
    return undefined;
  }
}

export const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const toHex = (b) => Buffer.from(b).toString('hex').toUpperCase();
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
