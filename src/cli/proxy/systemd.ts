// `pcsc proxy --print-systemd`: the systemd user units that start this proxy on demand, and the
// commands that install them (or, with --unit, one unit's text alone, to redirect into its file).

import { realpathSync } from 'node:fs';
import { defaultProxySocket, systemdUnits, type SystemdUnits } from '../../core/proxy/index.js';
import {
  detectMachineNow,
  manualStartCommand,
  systemdInstallCommands,
  USER_UNIT_DIR,
} from '../../core/doctor/index.js';

export interface PrintedUnits extends SystemdUnits {
  /** Where they go and how they are started. */
  directory: string;
  commands: string[];
  /** What to run where systemd is not the init system. */
  withoutSystemd: string;
  /** systemd runs here (sd_booted(3)). */
  systemd: boolean;
}

/** This program as systemd has to start it: node and the script, by absolute path. */
function ownCommand(): string[] {
  const script = process.argv[1];
  if (!script) return [process.execPath];
  try {
    return [process.execPath, realpathSync(script)];
  } catch {
    return [process.execPath, script];
  }
}

export function unitsFor(upstream: string, clientSlots?: number): PrintedUnits {
  const extra = clientSlots === undefined ? [] : ['--client-slots', String(clientSlots)];
  const units = systemdUnits(ownCommand(), upstream, extra);
  return {
    ...units,
    directory: USER_UNIT_DIR,
    commands: systemdInstallCommands(upstream, extra),
    withoutSystemd: manualStartCommand(defaultProxySocket(), upstream, extra),
    systemd: detectMachineNow().init === 'systemd',
  };
}

/** The human text: both files with where they go, then the commands (comments for a shell). */
export function renderUnits(u: PrintedUnits): string[] {
  return [
    `# ${u.directory}/${u.socket.file}`,
    ...u.socket.text.trimEnd().split('\n'),
    '',
    `# ${u.directory}/${u.service.file}`,
    ...u.service.text.trimEnd().split('\n'),
    '',
    '# Install and start (as yourself, not root):',
    ...u.commands,
    '',
    `# Without systemd${u.systemd ? '' : ' (as here)'}: start the proxy from your session's autostart instead:`,
    `#   ${u.withoutSystemd}`,
  ];
}
