// node --import test/rig/hide-usb.mjs …: makes the optional `usb` package look uninstalled, to
// test that the CLI works without it (its native part failing to load ends the same way).
// module.registerHooks (in-thread, Node >= 22.15) where Node has it: Node 26 deprecates
// module.register with a warning on stderr, which the CLI's one-line errors must not carry.
import * as mod from 'node:module';

function hidden(specifier, parentURL) {
  if (specifier !== 'usb' && !specifier.startsWith('usb/')) return undefined;
  const e = new Error("Cannot find package 'usb' imported from " + parentURL);
  e.code = 'ERR_MODULE_NOT_FOUND';
  return e;
}

if (typeof mod.registerHooks === 'function') {
  mod.registerHooks({
    resolve(specifier, context, next) {
      const e = hidden(specifier, context.parentURL);
      if (e) throw e;
      return next(specifier, context);
    },
  });
} else {
  mod.register(
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
}
