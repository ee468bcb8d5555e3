import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { backendFlag, readerFlag, socketFlag } from '../cli/flags.js';
import type { ScanResult } from '../cli/scan/result.js';
import type { AtrMatch } from '../core/atr-list/index.js';

export default class Scan extends BaseCommand {
  static override summary = 'List readers, and watch cards and readers come and go';
  static override description = `Like pcsc_scan, with the same one-letter flags. Watch mode (the default) prints every card and reader event with a timestamp; --json prints one JSON object per event (NDJSON). If pcscd goes away it waits for it, then reports what changed meanwhile. See docs/scan.md for the JSON shapes.`;
  static override examples = [
    '<%= config.bin %> scan',
    '<%= config.bin %> scan -r',
    '<%= config.bin %> scan -c --json',
    '<%= config.bin %> scan --json --count 2',
    'ATR=$(<%= config.bin %> scan --wait-card -t 30)',
  ];
  static override flags = {
    readers: Flags.boolean({
      char: 'r',
      description: 'list readers and exit',
      exclusive: ['cards', 'wait-card', 'stress'],
    }),
    cards: Flags.boolean({
      char: 'c',
      description: 'list readers with their card state and ATR, and exit',
      exclusive: ['wait-card', 'stress'],
    }),
    'no-analysis': Flags.boolean({ char: 'n', description: 'no ATR analysis and no names from the ATR list' }),
    time: Flags.integer({
      char: 't',
      description: 'quit after SECONDS (with --wait-card: give up, exit 5); 0: no limit, as in pcsc_scan',
      min: 0,
      helpValue: 'SECONDS',
    }),
    stress: Flags.boolean({
      char: 's',
      description: 'stress mode: repeated SELECT MF on each card, APDU/s',
      exclusive: ['wait-card'],
    }),
    debug: Flags.boolean({
      char: 'd',
      description: "print each reader's state transition, every flag and the event number",
    }),
    pnp: Flags.boolean({
      char: 'p',
      description: 'use the \\\\?PnP?\\Notification pseudo-reader even if the probe says no',
    }),
    reader: readerFlag,
    'wait-card': Flags.boolean({
      description:
        'wait until a card is present, print its ATR and exit 0 (cards in several readers: pick one with --reader)',
    }),
    count: Flags.integer({ description: 'stop after N changes (card or reader events)', min: 1, helpValue: 'N' }),
    socket: socketFlag,
    backend: backendFlag,
  };

  static seeAlso = ['pcsc-atr(1)', 'pcsc_scan(1)', 'pcscd(8)'];
  static environment = { XDG_CACHE_HOME: 'Where the ATR list is looked for first (see pcsc-atr(1)); -n skips it.' };
  static files = {
    '$XDG_CACHE_HOME/smartcard_list.txt, ~/.smartcard_list.txt, /usr/local/pcsc/smartcard_list.txt, /usr/share/pcsc/smartcard_list.txt, /usr/local/share/pcsc/smartcard_list.txt':
      'The ATR list that names cards, searched as pcsc atr does (pcsc-atr(1)); the first non-empty file is used.',
  };

  /** Watch mode streams NDJSON: a final object (an error) must be one line too. */
  private streaming = false;

  override logJson(json: unknown): void {
    if (this.streaming) process.stdout.write(JSON.stringify(json) + '\n');
    else super.logJson(json);
  }

  async run(): Promise<ScanResult> {
    const { flags } = await this.parse(Scan);
    const backend = flags.backend as 'pcscd' | 'usb' | 'auto';
    if (flags.readers) return (await import('../cli/scan/readers-command.js')).runReaders(flags, this);
    const { makeStyle } = await import('../cli/style.js');
    const style = await makeStyle();
    let names;
    if (!flags['no-analysis']) {
      const source = await (await import('../cli/atr/names.js')).openNameSource();
      // The same {pattern, names, urls} groups as `pcsc atr --json`'s matches.
      names = (atr: Buffer): AtrMatch[] | undefined => {
        const r = source.lookup(atr);
        return r.file ? r.matches : undefined;
      };
    }
    const json = this.jsonEnabled();
    if (flags.cards) {
      const { listCardsOnce } = await import('../cli/scan/cards.js');
      const result = await listCardsOnce({
        socket: flags.socket,
        backend,
        reader: flags.reader,
        names,
        signal: this.signal,
      });
      if (!json) {
        const { renderReaderBlock } = await import('../cli/scan/render.js');
        if (result.readers.length === 0) this.log('No reader found.');
        for (const r of result.readers)
          for (const l of renderReaderBlock({ ...r, reader: r.name, time: '' }, { style, analysis: false }))
            this.log(l);
      }
      return result;
    }
    const { runWatch, waitForCard } = await import('../cli/scan/run-watch.js');
    this.streaming = !flags['wait-card'];
    const opts = {
      socket: flags.socket,
      backend,
      reader: flags.reader,
      forcePnp: flags.pnp,
      debug: flags.debug,
      stress: flags.stress,
      analysis: !flags['no-analysis'],
      names,
      seconds: flags.time || undefined,
      count: flags.count,
      json,
      style,
      signal: this.signal,
      spinner: Boolean(process.stdout.isTTY && process.stderr.isTTY),
      sink: { log: (l: string) => this.log(l), json: (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n') },
    };
    if (flags['wait-card']) {
      const card = await waitForCard({ ...opts, sink: { ...opts.sink, log: (l: string) => this.logToStderr(l) } });
      if (!json) {
        const { formatHex, parseHex } = await import('../core/index.js');
        this.log(formatHex(parseHex(card.atr)));
      }
      return card;
    }
    await runWatch(opts);
    return undefined;
  }
}
