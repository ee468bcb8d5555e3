// vitest globalSetup of the integration project: one check of the build before any file runs.
import { assertFreshBuild } from './build.js';

export default function setup(): void {
  assertFreshBuild();
}
