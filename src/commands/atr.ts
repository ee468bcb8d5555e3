import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import type { AtrResult } from '../cli/atr/result.js';
import { BaseCommand } from '../cli/base.js';
import { readerFlag, socketFlag } from '../cli/flags.js';

export default class Atr extends BaseCommand {
  static override summary = 'Analyse an ATR (ISO 7816-3) and name the card from the ATR list';
  static override description = `Works offline: decodes TS, T0, every interface byte, the historical bytes and TCK, then looks the ATR up in pcsc-tools' smartcard_list.txt where ATR_analysis looks ($XDG_CACHE_HOME or ~/.cache, ~/.smartcard_list.txt, /usr/local/pcsc, /usr/share/pcsc, /usr/local/share/pcsc; empty files are skipped). --update downloads the newest list into the cache. Exit 1 when the ATR breaks ISO 7816-3.

The ATR is hex with or without spaces, colons or 0x. Without one (or with -), it is read from stdin when stdin is not a terminal (\`pcsc scan --wait-card | pcsc atr\`); on a terminal, it is the ATR of the card in the reader: the only reader holding a card, or the one --reader names.`;
  static override examples = [
    '<%= config.bin %> atr 3B 95 13 81 01 80 73 FF 01 00 0B',
    '<%= config.bin %> atr 3B:8F:80:01:80:4F:0C:A0:00:00:03:06:03:00:01:00:00:00:00:6A --json',
    '<%= config.bin %> scan --wait-card | <%= config.bin %> atr',
    '<%= config.bin %> atr --reader 1',
    '<%= config.bin %> atr --update',
    '<%= config.bin %> atr --update --url http://mirror.example/smartcard_list.txt',
  ];
  static override strict = false;
  // ignoreStdin: oclif would give up on a pipe after 10 ms (`pcsc scan --wait-card | pcsc atr`); run() reads it.
  static override args = {
    atr: Args.string({
      description:
        'the ATR in hex (spaces, colons, 0x allowed); - or none: stdin, or on a terminal the card in the reader',
      ignoreStdin: true,
    }),
  };
  static override flags = {
    update: Flags.boolean({ description: 'download the newest ATR list into the cache' }),
    url: Flags.string({ description: 'where --update downloads from', dependsOn: ['update'], helpValue: 'URL' }),
    timeout: Flags.integer({ description: 'seconds --update may take', default: 60, min: 1 }),
    list: Flags.string({ description: 'use this ATR list file instead of searching', helpValue: 'FILE' }),
    reader: readerFlag,
    socket: socketFlag,
  };

  static environment = {
    XDG_CACHE_HOME: 'Where --update saves the ATR list, and the first place it is looked for (default ~/.cache).',
    HOME: 'For ~/.cache and ~/.smartcard_list.txt.',
  };
  static files = {
    '$XDG_CACHE_HOME/smartcard_list.txt':
      'The list --update downloads (default ~/.cache/smartcard_list.txt); looked at first.',
    '~/.smartcard_list.txt, /usr/local/pcsc/smartcard_list.txt, /usr/share/pcsc/smartcard_list.txt, /usr/local/share/pcsc/smartcard_list.txt':
      "Then these, in this order (pcsc-tools' copies); the first non-empty file is used.",
  };
  static seeAlso = ['pcsc-scan(1)', 'ATR_analysis(1)', 'pcsc_scan(1)'];

  async run(): Promise<AtrResult> {
    const { flags, raw } = await this.parse(Atr);
    const { runAtr } = await import('../cli/atr/command.js');
    // `raw` keeps the words in order (oclif's argv can reorder repeated values such as "01").
    const words = raw.filter((t) => t.type === 'arg').map((t) => t.input);
    return runAtr(flags, words, this);
  }
}
