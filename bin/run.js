#!/usr/bin/env node
// oclif entry point. Kept minimal: start-up time is measured in bench/.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
