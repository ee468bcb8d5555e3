// Names the pcsc CLI takes from the core that are not part of the library's API: which socket a
// command reports or serves, the --reader flag's check, the one-shot reader line of `pcsc scan`, the USB path asked on a socket of its own,
// the ATR list read through its index in the user's cache, the user's cache directory (the CLI's code cache).
// Not a package.json export and no stability promise; as cheap to import as ".".

export { DEFAULT_SOCKET, resolveSocketPath, type SocketChoice } from './pcscd/socket-path.js';
export { checkReaderSpec } from './pcsc/select-reader.js';
export { readerStatus } from './pcsc/monitor-events.js';
export { readerUsbPathAt } from './pcsc/usb-path.js';
export { openAtrListIndexed, type AtrListLookup } from './atr-list/index-file.js';
export { userCacheDir } from './user-cache.js';
