// Builds the Node-side bundles (CLI, lab programs, Electron main and preload) with esbuild, and the renderer with vite.
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
  ['main/lab/witness.ts', 'dist/lab/witness.mjs'],
  ['main/lab/demo-workload.ts', 'dist/lab/demo-workload.mjs'],
  ['main/bench/index.ts', 'dist/bench.mjs'],
  ['main/bench/ps-bench.ts', 'dist/bench-ps.mjs'],
  ['main/bench/view-bench.ts', 'dist/bench-view.mjs'],
];

await Promise.all(entries.filter(([src]) => existsSync(src)).map(([src, out]) => build({ ...common, entryPoints: [src], outfile: out })));
// The CLI with code splitting, so that what only one command needs (the dashboard's ws, sql.js and zod) is
// loaded by that command, not at every start.
await build({
  ...common,
  entryPoints: { cli: 'main/cli/index.ts' },
  outdir: 'dist',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/cli-[hash]',
});
console.log(
  `built dist/cli.mjs, ${entries
    .filter(([src]) => existsSync(src))
    .map(([, out]) => out)
    .join(', ')}`,
);

// Electron: main as ESM (Electron >= 28 loads it), the sandboxed preload as one CommonJS file.
if (existsSync('main/electron/main.ts')) {
  await Promise.all([
    build({ ...common, entryPoints: ['main/electron/main.ts'], outfile: 'dist/electron/main.mjs', external: ['electron'] }),
    build({
      ...common,
      entryPoints: ['main/electron/preload.ts'],
      outfile: 'dist/electron/preload.cjs',
      format: 'cjs',
      packages: undefined,
      external: ['electron'],
      banner: {},
    }),
  ]);
  console.log('built dist/electron/main.mjs, dist/electron/preload.cjs');
}

// The renderer (skipped with --no-renderer).
if (existsSync('renderer/index.html') && !process.argv.includes('--no-renderer')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });
  console.log('built dist/renderer');
}
