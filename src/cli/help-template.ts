// oclif renders every text of the help (descriptions, examples, flag descriptions) as an ejs
// template, compiling each into a function: most of the time `pcsc COMMAND --help` took. Our texts
// hold no tag, or only `<%= config.bin %>`: those are rendered here, to the very string ejs makes
// of them; any other text returns undefined and goes to ejs as before. scripts/bundle.js puts this
// in front of ejs in oclif's help (@oclif/core/lib/help/util.js, the bundle's copy only).

const BIN_TAG = '<%= config.bin %>';

/** ejs's escaping of `<%= … %>` output (escapeXML). */
const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** What ejs.render(text, context) returns, for a text with no tag but `<%= config.bin %>`; else undefined. */
export function renderPlain(text: string, context: { config?: { bin?: unknown } }): string | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split(BIN_TAG);
  if (parts.some((p) => p.includes('<%') || p.includes('%>'))) return undefined;
  if (parts.length === 1) return text;
  const bin = context.config?.bin;
  if (typeof bin !== 'string') return undefined;
  return parts.join(bin.replace(/[&<>"']/g, (c) => XML[c] ?? c));
}
