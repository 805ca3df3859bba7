#!/usr/bin/env node
// Bundles the CLI, the extension (a single file for the Lambda layer) and the demo app into dist/ with esbuild.
// `--readable` leaves the bundles unminified, with their comments and a `// src/…` line opening each module, so a CPU
// profile's frames can be summed by source file (docs/performance.md, Profiling).
import { build } from 'esbuild'

const readable = process.argv.includes('--readable')

const root = new URL('..', import.meta.url).pathname
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  // V8 keeps each script's source in the heap, as a two-byte string if one character is outside ASCII (a comment's
  // arrow is enough): without comments and whitespace the router's bundle is 2.6 MB of ASCII, not 8.8 MiB of heap.
  // Names are kept for stack traces; licence notices go to a .LEGAL.txt file beside each bundle.
  minifyWhitespace: !readable,
  minifySyntax: !readable,
  legalComments: readable ? 'inline' : 'linked',
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
