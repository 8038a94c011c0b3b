// Builds the Node-side bundles (CLI, lab programs) with esbuild. The renderer is built by vite.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __ferryRequire } from 'node:module'; const require = __ferryRequire(import.meta.url);" },
};

const entries = [
  ['main/cli/index.ts', 'dist/cli.mjs'],
  ['main/lab/witness.ts', 'dist/lab/witness.mjs'],
  ['main/lab/demo-workload.ts', 'dist/lab/demo-workload.mjs'],
];

await Promise.all(
  entries
    .filter(([src]) => existsSync(src))
    .map(([src, out]) => build({ ...common, entryPoints: [src], outfile: out })),
);
console.log(`built ${entries.filter(([src]) => existsSync(src)).map(([, out]) => out).join(', ')}`);
