// A second opinion on deploy/router/Dockerfile from an independent validator (dockerfile-utils, the checker behind
// the Dockerfile language server): unknown instructions or flags, malformed arguments. The repository's own lint
// (test/deploy/router-dockerfile.test.ts) checks the policy; hadolint is packaged neither for Debian 12 nor on npm.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { validate } from 'dockerfile-utils'

const DOCKERFILE = join(import.meta.dirname, '../../router/Dockerfile')

test('the router Dockerfile has no diagnostics from dockerfile-utils', () => {
  const diagnostics = validate(readFileSync(DOCKERFILE, 'utf8')).map(
    (diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
  )
  assert.deepEqual(diagnostics, [])
})

test('the validator does catch the mistakes it is here for (unknown flags and instructions)', () => {
  const messages = validate('FROM scratch\nCOPY --chmodd=0755 a /b\nFROOM x\n').map((diagnostic) => diagnostic.message)
  assert.deepEqual(messages, ['Unknown flag: chmodd', 'Unknown instruction: FROOM'])
})
