#!/usr/bin/env node
// Entry point of the `ferry` command: runs the built CLI bundle (FERRY_CLI_BUNDLE: another bundle, for tests).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = process.env.FERRY_CLI_BUNDLE || fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  console.error('ferry: not built yet — run scripts/setup.sh (or npm run build) first');
  process.exit(2);
}
try {
  await import(cli);
} catch (err) {
  // A setting refused while the CLI loads (FERRY_LAB, …) is reported like every other error.
  if (err?.name !== 'FerryError') throw err;
  console.error(`ferry: error [${err.code}]: ${err.message}`);
  process.exit(err.code === 'BAD_INPUT' ? 2 : 1);
}
