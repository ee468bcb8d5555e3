// oclif renders every text of the help (descriptions, examples, flag descriptions, the usage line)
// as an ejs template, compiling each into a function: most of what `pcsc COMMAND --help` took. Our
// texts hold no tag but `<%= config.bin %>`, and oclif's usage line `<%= command.id %>`: those are
// rendered here, to the very string ejs makes of them; any other text returns undefined and goes to
// ejs as before. scripts/bundle.js puts this in front of ejs in oclif's help
// (@oclif/core/lib/help/util.js, the bundle's copy only).

/** The tags rendered here: `<%= config.bin %>` and `<%= command.id %>`, exactly so written. */
const TAG = /<%= (config\.bin|command\.id) %>/;

/** ejs's escaping of `<%= … %>` output (escapeXML). */
const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

interface Context {
  config?: { bin?: unknown };
  command?: { id?: unknown };
}

/** What ejs.render(text, context) returns, for a text with no tag but TAG's; else undefined. */
export function renderPlain(text: string, context: Context): string | undefined {
  if (typeof text !== 'string') return undefined;
  // split with a capture group: text, tag name, text, tag name, …, text.
  const parts = text.split(new RegExp(TAG.source, 'g'));
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i % 2 === 0) {
      if (part.includes('<%') || part.includes('%>')) return undefined;
      out += part;
      continue;
    }
    const value = part === 'config.bin' ? context.config?.bin : context.command?.id;
    if (typeof value !== 'string') return undefined;
    out += value.replace(/[&<>"']/g, (c) => XML[c] ?? c);
  }
  return out;
}
