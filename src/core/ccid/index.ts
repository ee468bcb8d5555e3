// "pcsc/ccid": the USB CCID driver behind the `usb` backend (Context.establish({backend: 'usb'})),
// for direct use: its context, the readers it finds, and whether the `usb` package can load here.
// Cheap to import: the native `usb` package loads on first use, never at import.

export { UsbContext, type UsbContextOptions } from './context.js';
export { IOCTL_VENDOR_IFD_EXCHANGE } from './card.js';
export { listCcidInterfaces, usbStatus, type ListOptions, type UsbCcidInterface, type UsbStatus } from './transport.js';
export { parseCcidDescriptor, type CcidDescriptor, type ExchangeLevel } from './descriptor.js';
export { CcidError } from '../errors.js';
