// "pcsc/pcsclite": a drop-in for node-pcsclite (`@pokusew/pcsclite` 0.6, `pcsclite` 1.0) on the
// library's own pcscd client: no native build. `require('pcsc/pcsclite')` gives the factory itself
// (the "module.exports" export), as `require('@pokusew/pcsclite')` does; `import pcsclite from …`
// gives it too. docs/node-pcsclite.md: switching an app or a dependency, and what differs.

import { pcsclite } from './pcsclite.js';

export default pcsclite;
export { pcsclite as 'module.exports' };
export { pcsclite, PCSCLite } from './pcsclite.js';
export { CardReader, type Callback, type ConnectOptions, type Status } from './card-reader.js';
export { READER_CONSTANTS } from './constants.js';
