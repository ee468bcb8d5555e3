// The style with colour: chalk at level 1 (16 colours). A file of its own, so that the fast path
// loads chalk only when the output is a terminal (scripts/bundle.js, SEPARATE).

import { Chalk, type ChalkInstance } from 'chalk';

export function colourStyle(): ChalkInstance {
  return new Chalk({ level: 1 });
}
