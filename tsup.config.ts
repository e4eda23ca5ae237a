import { defineConfig } from 'tsup';

// ESM only: Node >= 22.12 loads ES modules from require(), so CommonJS callers are served too
// (see README, "Module format").
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node22',
  platform: 'node',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: true,
});
