#!/usr/bin/env node
// Entry point of the `ferry` command: runs the built CLI bundle.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  console.error('ferry: not built yet — run scripts/setup.sh (or npm run build) first');
  process.exit(2);
}
await import(cli);
