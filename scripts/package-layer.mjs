#!/usr/bin/env node
// Packages the extension as a Lambda layer: dist/lambda-dispatch-layer.zip, laid out as Lambda mounts it under /opt:
//   extensions/lambda-dispatch          the launcher (0755; Lambda runs every executable in /opt/extensions)
//   lambda-dispatch/extension.js        the bundled extension (+ .map), run by the launcher with node
//   lambda-dispatch/package.json        {"type":"module"}: the bundle is ESM whatever Node's syntax detection does
//   lambda-dispatch/exec-wrapper        AWS_LAMBDA_EXEC_WRAPPER target for zip functions (starts the app)
// With --with-node it writes the self-contained layer instead, one per architecture (--arch x64|arm64 picks one):
// dist/lambda-dispatch-layer-with-node-<arch>.zip, the same files plus
//   lambda-dispatch/node/bin/node       Node from the npm package node-linux-<arch> (deploy/layer/node-runtime.json)
//   lambda-dispatch/node/LICENSE        its licence
// so the extension runs on any runtime. Every zip's sizes are printed and checked against Lambda's limits.
// Builds dist/extension.js first when it is missing. Uses the `zip` tool (Debian/Ubuntu: apt-get install zip).
// Entries get a fixed timestamp, so the same inputs give a byte-identical zip (and an unchanged CDK asset hash).
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { formatMiB, LAMBDA_LAYER_LIMITS, layerSizeProblems } from './layer-limits.mjs'
import { extractNodeBinary, fetchNodePackage, NODE_ARCHITECTURES, readNodePin } from './node-runtime.mjs'

const root = new URL('..', import.meta.url).pathname
const bundle = join(root, 'dist/extension.js')
const NODE_PIN = join(root, 'deploy/layer/node-runtime.json')
// Downloaded Node packages, verified on every use. `npm ci` empties node_modules; npm's own cache then answers.
const NODE_CACHE = join(root, 'node_modules/.cache/lambda-dispatch/node-runtime')
// 1980-01-01 is the zip format's epoch; a later fixed date avoids time-zone underflow in DOS timestamps.
const FIXED_MTIME = new Date('2020-01-01T00:00:00Z')

/** @param {string} line */
function say(line) {
  process.stdout.write(`package-layer: ${line}\n`)
}

/** A refusal with a message for the user; main() prints it and exits 1, after every temporary directory is gone. */
class PackageError extends Error {}

/** @param {string[]} argv */
function parseOptions(argv) {
  let values
  try {
    values = parseArgs({
      args: argv,
      options: { 'with-node': { type: 'boolean', default: false }, arch: { type: 'string' } },
      strict: true,
    }).values
  } catch (error) {
    throw new PackageError(
      `${error.message}\nusage: npm run package:layer [-- --with-node [--arch ${NODE_ARCHITECTURES.join('|')}]]`,
    )
  }
  if (values.arch !== undefined && !values['with-node']) {
    throw new PackageError('--arch only applies with --with-node: the layer without Node has no native code')
  }
  if (values.arch !== undefined && !NODE_ARCHITECTURES.includes(values.arch)) {
    throw new PackageError(`--arch must be one of ${NODE_ARCHITECTURES.join(', ')}, got "${values.arch}"`)
  }
  const architectures = values['with-node'] ? (values.arch ? [values.arch] : [...NODE_ARCHITECTURES]) : []
  // LAMBDA_DISPATCH_LAYER_ZIP moves the output (relative to the repository root, or absolute); tests write to a
  // temp dir.
  const outputOverride = process.env.LAMBDA_DISPATCH_LAYER_ZIP
  if (outputOverride !== undefined && architectures.length > 1) {
    throw new PackageError('LAMBDA_DISPATCH_LAYER_ZIP names one zip: with --with-node, pick one --arch')
  }
  return { architectures, outputOverride }
}

function ensureBundle() {
  if (existsSync(bundle)) return
  say('dist/extension.js is missing; running the build')
  const built = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' })
  if (built.status !== 0) throw new PackageError('the build failed')
  if (!existsSync(bundle)) throw new PackageError('the build did not produce dist/extension.js')
}

/** @typedef {{ from: string, to: string, mode: number }} Entry */

/** The extension's files, the whole layer without Node. @returns {Entry[]} */
function extensionEntries() {
  const entries = [
    { from: join(root, 'deploy/layer/extensions/lambda-dispatch'), to: 'extensions/lambda-dispatch', mode: 0o755 },
    { from: bundle, to: 'lambda-dispatch/extension.js', mode: 0o644 },
    { from: join(root, 'deploy/layer/lambda-dispatch/package.json'), to: 'lambda-dispatch/package.json', mode: 0o644 },
    { from: join(root, 'deploy/layer/lambda-dispatch/exec-wrapper'), to: 'lambda-dispatch/exec-wrapper', mode: 0o755 },
  ]
  if (existsSync(`${bundle}.map`)) {
    entries.push({ from: `${bundle}.map`, to: 'lambda-dispatch/extension.js.map', mode: 0o644 })
  }
  // The licence notices of bundled dependencies, moved out of the bundle by the build (scripts/build.mjs).
  if (existsSync(`${bundle}.LEGAL.txt`)) {
    entries.push({ from: `${bundle}.LEGAL.txt`, to: 'lambda-dispatch/extension.js.LEGAL.txt', mode: 0o644 })
  }
  return entries
}

/** Every directory above the entries, parents first: zip lists them so they get their modes and fixed times. */
function directoriesOf(/** @type {Entry[]} */ entries) {
  const directories = new Set()
  for (const entry of entries) {
    for (let dir = dirname(entry.to); dir !== '.'; dir = dirname(dir)) directories.add(dir)
  }
  return [...directories].sort()
}

/**
 * Stages `entries` and zips them into `output`; returns the zip's size and the unpacked size of its files.
 * @param {Entry[]} entries
 * @param {string} output
 */
function writeZip(entries, output) {
  const staging = mkdtempSync(join(tmpdir(), 'lambda-dispatch-layer-'))
  try {
    const directories = directoriesOf(entries)
    let unzippedBytes = 0
    for (const entry of entries) {
      const target = join(staging, entry.to)
      mkdirSync(dirname(target), { recursive: true })
      copyFileSync(entry.from, target)
      chmodSync(target, entry.mode)
      unzippedBytes += statSync(target).size
    }
    for (const directory of directories) chmodSync(join(staging, directory), 0o755)
    for (const path of [...entries.map((entry) => entry.to), ...directories]) {
      utimesSync(join(staging, path), FIXED_MTIME, FIXED_MTIME)
    }

    mkdirSync(dirname(output), { recursive: true })
    rmSync(output, { force: true })
    // -X drops uid/gid and extra timestamp fields (reproducible); the Unix mode bits stay in the external attributes.
    // Names are listed explicitly and sorted, so the order never depends on the file system.
    const names = entries.map((entry) => entry.to).sort()
    const zipped = spawnSync(
      'zip',
      ['-X', '-q', output, ...directories.map((directory) => `${directory}/`), ...names],
      { cwd: staging, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, TZ: 'UTC' } },
    )
    if (zipped.error) {
      throw new PackageError(`could not run zip (${zipped.error.message}); install it: apt-get install zip`)
    }
    if (zipped.status !== 0) throw new PackageError(`zip exited with ${zipped.status}`)
    return { zippedBytes: statSync(output).size, unzippedBytes }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

/**
 * Writes one layer zip, prints what it holds and its sizes, and refuses (removing it) one Lambda would refuse.
 * @param {Entry[]} entries
 * @param {string} output
 * @param {string} label
 */
function packageLayer(entries, output, label) {
  const sizes = writeZip(entries, output)
  say(
    `wrote ${relative(root, output)} (${label}): ${formatMiB(sizes.zippedBytes)} zipped, ` +
      `${formatMiB(sizes.unzippedBytes)} unzipped (${sizes.zippedBytes} and ${sizes.unzippedBytes} bytes)`,
  )
  for (const entry of entries) process.stdout.write(`  ${entry.mode.toString(8)}  ${entry.to}\n`)
  const problems = layerSizeProblems(sizes)
  if (problems.length > 0) {
    // Nothing Lambda would refuse is left behind for a deploy to pick up.
    rmSync(output, { force: true })
    throw new PackageError(`${relative(root, output)} is too large for Lambda (removed): ${problems.join('; ')}`)
  }
  say(
    `within Lambda's limits: ${formatMiB(LAMBDA_LAYER_LIMITS.zippedBytes)} zipped for a direct upload; ` +
      `${formatMiB(LAMBDA_LAYER_LIMITS.unzippedBytes)} unzipped for the function and all its layers, ` +
      `${formatMiB(LAMBDA_LAYER_LIMITS.unzippedBytes - sizes.unzippedBytes)} of it left for the rest`,
  )
}

/** @param {string[]} argv */
function main(argv) {
  const { architectures, outputOverride } = parseOptions(argv)
  ensureBundle()
  if (architectures.length === 0) {
    packageLayer(
      extensionEntries(),
      resolve(root, outputOverride ?? 'dist/lambda-dispatch-layer.zip'),
      'the extension; Node comes from the runtime',
    )
    return
  }
  const pin = readNodePin(NODE_PIN)
  const scratch = mkdtempSync(join(tmpdir(), 'lambda-dispatch-node-'))
  try {
    for (const arch of architectures) {
      const binary = extractNodeBinary(fetchNodePackage(pin, arch, NODE_CACHE, say), scratch)
      const entries = [
        ...extensionEntries(),
        { from: binary.node, to: 'lambda-dispatch/node/bin/node', mode: 0o755 },
        { from: binary.license, to: 'lambda-dispatch/node/LICENSE', mode: 0o644 },
      ]
      const output = resolve(root, outputOverride ?? `dist/lambda-dispatch-layer-with-node-${arch}.zip`)
      packageLayer(entries, output, `the extension with Node ${pin.version} for linux-${arch}`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

try {
  main(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`package-layer: ${error instanceof Error ? error.message : String(error)}\n`)
  if (!(error instanceof PackageError) && error instanceof Error) process.stderr.write(`${error.stack}\n`)
  process.exit(1)
}
