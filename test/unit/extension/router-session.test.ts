// Fingerprint normalisation for certificate pinning: any case, with or without colons, compares equal.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeFingerprint } from '../../../src/extension/router-session.js'

test('fingerprints compare without colons and case', () => {
  assert.equal(normalizeFingerprint('ab:cd:EF'), 'ABCDEF')
  assert.equal(normalizeFingerprint('ABCDEF'), 'ABCDEF')
})
