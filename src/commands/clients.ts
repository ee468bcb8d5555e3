// `pcsc clients`: every process connected to pcscd's socket now (Linux), and how to make the well-known ones share.
import { BaseCommand } from '../cli/base.js';
import { socketFlag } from '../cli/flags.js';
import type { ClientsResult } from '../cli/clients/result.js';

export default class Clients extends BaseCommand {
  static override summary = "List the programs connected to pcscd's socket now: who may hold your card";
  static override description = [
    "Every process connected to pcscd's socket now, found the way `ss -xp` does it: pid, user, connections,",
    'start time, command line and executable; through `pcsc proxy` or `pcsc spy`, their clients too. Well-known',
    'clients (scdaemon, KeePassXC, gsd-smartcard, browsers, OpenSC tools…) are named with how to make them share.',
    "Linux only. Without root, other users' processes cannot be seen: their connections are counted, and",
    '`sudo pcsc clients` shows them. Needs ss (iproute2) to pair connections with processes.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> clients',
    'sudo <%= config.bin %> clients --json',
    '<%= config.bin %> clients --socket $XDG_RUNTIME_DIR/pcsc-proxy.comm',
  ];
  static override flags = { socket: socketFlag };
  static exitCodes = {
    0: 'listed (also when nobody is connected)',
    2: 'usage error: unknown flag, or not Linux',
    3: 'nothing listens at the socket (pcscd not running)',
    70: 'internal error (a bug in pcsc)',
    130: 'interrupted (Ctrl-C)',
  };
  static environment = {
    PCSCLITE_CSOCK_NAME: 'The socket to look at when --socket is not given.',
  };
  static files = {
    '/proc/net/unix': 'Unix sockets, and which one listens at the socket.',
    '/proc/PID/fd': "Each process's open sockets (readable for your own processes, or as root).",
  };
  static seeAlso = ['ss(8)', 'pcsc-doctor(1)', 'pcsc-spy(1)'];

  async run(): Promise<ClientsResult> {
    const { flags } = await this.parse(Clients);
    const { runClients } = await import('../cli/clients/command.js');
    return runClients(flags, this);
  }
}
