#!/usr/bin/env node
// Bundles the CLI, the extension (a single file for the Lambda layer) and the demo app into dist/ with esbuild.
import { build } from 'esbuild'

const root = new URL('..', import.meta.url).pathname
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'info',
  // Bundled CommonJS dependencies (pino, the AWS SDK) call require(); ESM output needs one defined.
  banner: {
    js: "import { createRequire as __ldCreateRequire } from 'node:module'; const require = __ldCreateRequire(import.meta.url);",
  },
}

await build({ ...common, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', external: ['pino-pretty'] })
await build({
  ...common,
  entryPoints: { extension: 'src/extension/main.ts' },
  outdir: 'dist',
  external: ['pino-pretty'],
})
await build({ ...common, entryPoints: { 'demo-app': 'src/demo-app/main.ts' }, outdir: 'dist' })
