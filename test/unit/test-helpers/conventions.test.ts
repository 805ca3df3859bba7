// The test suite's own rules (issue 15 item 6): exchange handlers checked through `checkHandler(t)`, one reader of
// /proc, no released port handed out, and a promise settled from outside through `deferred`. Each is checked over
// the text of every .ts file under test/.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { test } from 'node:test'

const TEST_ROOT = resolve(import.meta.dirname, '../..')
const THIS_FILE = 'unit/test-helpers/conventions.test.ts'

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : testFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

const files = testFiles(TEST_ROOT).map((path) => ({
  path: relative(TEST_ROOT, path),
  text: readFileSync(path, 'utf8'),
}))

/** Every `file:line` under test/ whose text matches `pattern` (a global regex), except in `allowed` files. */
function placesMatching(pattern: RegExp, allowed: readonly string[] = []): string[] {
  return files.flatMap(({ path, text }) =>
    allowed.includes(path)
      ? []
      : [...text.matchAll(pattern)].map((match) => `${path}:${text.slice(0, match.index).split('\n').length}`),
  )
}

test('exchange handlers are checked through checkHandler(t), which fails the test by itself on a violation', () => {
  const allowed = ['helpers/checked-handler.ts', 'unit/test-helpers/checked-handler.test.ts', THIS_FILE]
  assert.deepEqual(placesMatching(/new CheckedHandler\b/g, allowed), [])
})

test('tests reach /proc only through test/helpers/proc.ts (over the one reader in bench/lib/proc.ts)', () => {
  assert.deepEqual(placesMatching(/['"`]\/proc\b/g, ['helpers/proc.ts']), [])
})

test('no test hands out a port it bound and released (freePort): servers listen on port 0, or hold the port', () => {
  assert.deepEqual(placesMatching(/\bfreePort\b/g, [THIS_FILE]), [])
})

test("no test captures a promise's resolve by hand: deferred() does it", () => {
  const handRolled = /let \w+!?: \([^)]*\) => void(?: = \(\) => \{\})?\n\s*const \w+ = new Promise\b/g
  const sample = 'let onDone: () => void = () => {}\n  const done = new Promise<void>((resolve) => {\n'
  assert.equal([...sample.matchAll(handRolled)].length, 1, 'the pattern finds the hand-rolled form')
  assert.deepEqual(placesMatching(handRolled, ['helpers/deferred.ts', THIS_FILE]), [])
})
