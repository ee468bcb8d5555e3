// Talk to the reader itself: a direct connection (no card needed), its PC/SC part 10 features
// (PIN pad, …) through SCardControl, and an attribute. Readers that support neither say so with a
// PC/SC error, which the example prints.
import { Attr, CM_IOCTL_GET_FEATURE_REQUEST, Context, decodeFeatures, isPcscError } from 'pcsc';

const ctx = await Context.establish();
try {
  const [reader] = await ctx.listReaders();
  const direct = await ctx.connect(reader, { share: 'direct', protocols: [] });
  try {
    const features = decodeFeatures(await direct.control(CM_IOCTL_GET_FEATURE_REQUEST));
    console.log('features:', features.map((f) => f.name).join(', ') || 'none');
  } catch (e) {
    if (!isPcscError(e)) throw e;
    console.log(`features: ${e.scardName}`);
  }
  try {
    console.log('vendor:', (await direct.getAttribute(Attr.VENDOR_NAME)).toString('latin1'));
  } catch (e) {
    if (!isPcscError(e)) throw e;
    console.log(`vendor: ${e.scardName}`);
  }
  await direct.disconnect();
} finally {
  await ctx.release();
}
