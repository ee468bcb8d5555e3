// The style with colour: chalk at level 1 (16 colours). A file of its own, so that the fast path
// loads chalk only when the output is a terminal (scripts/bundle.js, SEPARATE).

import { Chalk } from 'chalk';
import type { Style } from './style.js';

export function colourStyle(): Style {
  return new Chalk({ level: 1 });
}
