// node --import test/rig/hide-usb.mjs …: makes the optional `usb` package look uninstalled, to
// test that the CLI works without it (its native part failing to load ends the same way).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier === 'usb' || specifier.startsWith('usb/')) {
    const e = new Error("Cannot find package 'usb' imported from " + context.parentURL);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`),
);
