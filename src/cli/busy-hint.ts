// The hint of a failure on a card another program holds: who holds it, and the fix (the doctor's
// report). Its own module, loaded only then: it brings the doctor's checks, which the fast path's
// entry (dist/bundle/pcsc.cjs) would otherwise parse on every start (scripts/bundle.js).

export interface BusyHint {
  hint: string;
  /** Added to the --json error object: the programs connected to pcscd (README "JSON"). */
  json: { heldBy: { pid: number; user: string; command: string }[]; hiddenConnections?: number };
}

/**
 * The line naming who may hold the card, and the fix (src/core/doctor/checks/holders.ts); undefined
 * off Linux or when nothing listens at the socket (the USB backend answered).
 */
export async function busyHintFor(socket: string | undefined): Promise<BusyHint | undefined> {
  try {
    const [{ busyReport, createProbe }, { resolveSocketPath }] = await Promise.all([
      import('../core/doctor/index.js'),
      import('../core/internal.js'),
    ]);
    const probe = createProbe();
    if (probe.platform !== 'linux') return undefined;
    const path = resolveSocketPath({ path: socket, env: process.env }).path;
    const r = await busyReport(probe, path, { exclude: [process.pid] });
    if (!r.clients?.listening) return undefined;
    const cmds = r.fix.commands?.length ? ` (${r.fix.commands.map((c) => `\`${c}\``).join(', ')})` : '';
    const { clients, unattributed } = r.clients;
    return {
      hint: `The card is ${r.line}. ${r.fix.text}${cmds}`,
      json: {
        heldBy: clients.map((c) => ({ pid: c.pid, user: c.user, command: c.command })),
        ...(unattributed > 0 ? { hiddenConnections: unattributed } : {}),
      },
    };
  } catch {
    return undefined; // the hint is a help, never a second failure
  }
}
