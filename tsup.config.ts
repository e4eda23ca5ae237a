import { defineConfig } from 'tsup';

// ESM only: Node >= 22.12 loads ES modules from require(), so CommonJS callers are served too
// (see README, "Module format").
export default defineConfig({
  // The CLI's entry loads only its version for `--version`; the rest is a chunk it imports on demand.
  entry: { index: 'src/index.ts', cli: 'src/cli/bin.ts' },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
});
