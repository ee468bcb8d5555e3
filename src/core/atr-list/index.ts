// "pcsc/atr-list": pcsc-tools' smartcard_list.txt, which names cards by their ATR: where it is
// looked for, loading and matching it, and downloading the newest copy into the user's cache.
// Its own entry: it reads the file system and the network, and the list (GPL) is never bundled.

export {
  ATR_LIST_NAME,
  ATR_LIST_URL,
  atrListCacheDir,
  atrListSearchPath,
  atrSubmitUrl,
  compileAtrList,
  findAtrList,
  loadAtrList,
  openAtrList,
  parseAtrList,
  splitNames,
} from './list.js';
export type { AtrList, AtrListEntry, AtrMatch, FindAtrListResult, OpenAtrListResult } from './list.js';
export { downloadAtrList } from './download.js';
export type { DownloadAtrListOptions, DownloadAtrListResult, DownloadProgress } from './download.js';
export { NetworkError } from '../errors.js';
