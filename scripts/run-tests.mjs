#!/usr/bin/env node
// Runs the test suite with node:test through tsx. Arguments narrow the run to files or folders under test/.
// TEST_CONCURRENCY sets how many test files run at once (default 3: most tests wait on I/O, not CPU).
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname

/** @param {string} path @returns {string[]} */
function collect(path) {
  const stat = statSync(path)
  if (stat.isFile()) return path.endsWith('.test.ts') ? [path] : []
  return readdirSync(path)
    .sort()
    .flatMap((name) => (name === 'node_modules' ? [] : collect(join(path, name))))
}

const targets = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))
const passThrough = process.argv.slice(2).filter((arg) => arg.startsWith('--'))
const files = (targets.length > 0 ? targets : ['test']).flatMap((target) => collect(join(root, target)))
if (files.length === 0) {
  console.error(`no *.test.ts files under ${targets.join(', ') || 'test/'}`)
  process.exit(1)
}

const concurrency = process.env.TEST_CONCURRENCY ?? '3'
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-timeout=180000',
  '--test-reporter=spec',
  ...passThrough,
  ...files.map((file) => relative(root, file)),
]
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' })
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
