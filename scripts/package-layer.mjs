#!/usr/bin/env node
// Packages the extension as a Lambda layer: dist/lambda-dispatch-layer.zip, laid out as Lambda mounts it under /opt:
//   extensions/lambda-dispatch          the launcher (0755; Lambda runs every executable in /opt/extensions)
//   lambda-dispatch/extension.js        the bundled extension (+ .map), run by the launcher with node
//   lambda-dispatch/package.json        {"type":"module"}: the bundle is ESM whatever Node's syntax detection does
//   lambda-dispatch/exec-wrapper        AWS_LAMBDA_EXEC_WRAPPER target for zip functions (starts the app)
// Builds dist/extension.js first when it is missing. Uses the `zip` tool (Debian/Ubuntu: apt-get install zip).
// Entries get a fixed timestamp, so the same inputs give a byte-identical zip (and an unchanged CDK asset hash).
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bundle = join(root, 'dist/extension.js')
// LAMBDA_DISPATCH_LAYER_ZIP moves the output (relative to the repository root, or absolute); tests write to a temp dir.
const output = resolve(root, process.env.LAMBDA_DISPATCH_LAYER_ZIP ?? 'dist/lambda-dispatch-layer.zip')
// 1980-01-01 is the zip format's epoch; a later fixed date avoids time-zone underflow in DOS timestamps.
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z')

/** @param {string} message */
function fail(message) {
  process.stderr.write(`package-layer: ${message}\n`)
  process.exit(1)
}

if (!existsSync(bundle)) {
  process.stdout.write('package-layer: dist/extension.js is missing; running the build\n')
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) fail('the build failed')
  if (!existsSync(bundle)) fail('the build did not produce dist/extension.js')
}

/** @type {Array<{ from: string, to: string, mode: number }>} */
const entries = [
  { from: join(root, 'deploy/layer/extensions/lambda-dispatch'), to: 'extensions/lambda-dispatch', mode: 0o755 },
  { from: bundle, to: 'lambda-dispatch/extension.js', mode: 0o644 },
  { from: join(root, 'deploy/layer/lambda-dispatch/package.json'), to: 'lambda-dispatch/package.json', mode: 0o644 },
  { from: join(root, 'deploy/layer/lambda-dispatch/exec-wrapper'), to: 'lambda-dispatch/exec-wrapper', mode: 0o755 },
]
if (existsSync(`${bundle}.map`)) {
  entries.push({ from: `${bundle}.map`, to: 'lambda-dispatch/extension.js.map', mode: 0o644 })
}

const staging = mkdtempSync(join(tmpdir(), 'lambda-dispatch-layer-'))
try {
  for (const entry of entries) {
    const target = join(staging, entry.to)
    mkdirSync(dirname(target), { recursive: true })
    copyFileSync(entry.from, target)
    chmodSync(target, entry.mode)
  }
  for (const directory of ['extensions', 'lambda-dispatch']) chmodSync(join(staging, directory), 0o755)
  for (const path of [...entries.map((entry) => entry.to), 'extensions', 'lambda-dispatch']) {
    utimesSync(join(staging, path), FIXED_MTIME, FIXED_MTIME)
  }

  mkdirSync(dirname(output), { recursive: true })
  rmSync(output, { force: true })
  // -X drops uid/gid and extra timestamp fields (reproducible); the Unix mode bits stay in the external attributes.
  // Names are listed explicitly and sorted, so the order never depends on the file system.
  const names = entries.map((entry) => entry.to).sort()
  const zipped = spawnSync('zip', ['-X', '-q', output, 'extensions/', 'lambda-dispatch/', ...names], {
    cwd: staging,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TZ: 'UTC' },
  })
  if (zipped.error) fail(`could not run zip (${zipped.error.message}); install it: apt-get install zip`)
  if (zipped.status !== 0) fail(`zip exited with ${zipped.status}`)
} finally {
  rmSync(staging, { recursive: true, force: true })
}

const sizeKiB = Math.round(statSync(output).size / 1024)
process.stdout.write(`package-layer: wrote ${relative(root, output)} (${sizeKiB} KiB)\n`)
for (const entry of entries) process.stdout.write(`  ${entry.mode.toString(8)}  ${entry.to}\n`)
