// udev's value patterns (udev(7) "Operators" / shell-style patterns): `*`, `?`, `[...]` classes and
// `|`-separated alternatives, matched against the whole value, case-sensitively.

const cache = new Map<string, RegExp>();

/** True when `value` matches any `|`-separated alternative of `pattern`. */
export function udevMatch(pattern: string, value: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern.split('|').map(globToRegex).join('|')})$`, 's');
    cache.set(pattern, re);
  }
  return re.test(value);
}

/** fnmatch(3) without flags: `*` and `?` also match `/`; `[!x]` and `[^x]` negate a class. */
export function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '\\' && i + 1 < glob.length) out += escapeRe(glob[++i] as string);
    else if (c === '[') {
      const end = classEnd(glob, i);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      let neg = '';
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = '^';
        body = body.slice(1);
      }
      out += `[${neg}${body.replace(/[\\\]]/g, (m) => '\\' + m)}]`;
      i = end;
    } else out += escapeRe(c);
  }
  return out;
}

/** Index of the `]` closing the class opened at `start`, or -1 (then `[` is literal). */
function classEnd(glob: string, start: number): number {
  let j = start + 1;
  if (glob[j] === '!' || glob[j] === '^') j++;
  if (glob[j] === ']') j++; // a leading ] is a member of the class
  for (; j < glob.length; j++) if (glob[j] === ']') return j;
  return -1;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
