import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base.js';
import { backendFlag, socketFlag } from '../cli/flags.js';

export default class Scan extends BaseCommand {
  static override summary = 'List readers, and watch cards and readers come and go';
  static override description = 'Like pcsc_scan. With -r, lists the readers and exits.';
  static override examples = ['<%= config.bin %> scan -r', '<%= config.bin %> scan -r --json', '<%= config.bin %> scan -r --backend usb'];
  static override flags = {
    readers: Flags.boolean({ char: 'r', description: 'list readers and exit' }),
    socket: socketFlag,
    backend: backendFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Scan);
    const { listReadersOnce } = await import('../cli/scan/readers.js');
    const result = await listReadersOnce({ socket: flags.socket, backend: flags.backend as 'pcscd' | 'usb' | 'auto' });
    if (!this.jsonEnabled()) {
      const { renderReaderList } = await import('../cli/render/readers.js');
      for (const line of renderReaderList(result)) this.log(line);
    }
    return result;
  }
}
