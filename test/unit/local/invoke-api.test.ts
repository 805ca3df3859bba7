// Table tests for the Invoke API's pure request parsing: invocation type and payload validation.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseInvocationType, validatePayload } from '../../../src/local/invoke-api.js'

const typeCases: { header: string | undefined; expected: ReturnType<typeof parseInvocationType> }[] = [
  { header: undefined, expected: 'RequestResponse' },
  { header: '', expected: 'RequestResponse' },
  { header: 'RequestResponse', expected: 'RequestResponse' },
  { header: 'Event', expected: 'Event' },
  { header: 'DryRun', expected: 'DryRun' },
  { header: 'event', expected: undefined },
  { header: 'Async', expected: undefined },
]

for (const row of typeCases) {
  test(`parseInvocationType(${JSON.stringify(row.header)}) is ${row.expected}`, () => {
    assert.equal(parseInvocationType(row.header), row.expected)
  })
}

const payloadCases: { name: string; body: string; expected: 'valid' | 'invalid'; payload?: string }[] = [
  { name: 'an empty body becomes {}', body: '', expected: 'valid', payload: '{}' },
  { name: 'an object passes unchanged', body: '{"a":1}', expected: 'valid', payload: '{"a":1}' },
  { name: 'a JSON string passes', body: '"text"', expected: 'valid', payload: '"text"' },
  { name: 'a number passes', body: '42', expected: 'valid', payload: '42' },
  { name: 'truncated JSON is refused', body: '{"a":', expected: 'invalid' },
  { name: 'plain text is refused', body: 'hello', expected: 'invalid' },
]

for (const row of payloadCases) {
  test(`validatePayload: ${row.name}`, () => {
    const result = validatePayload(Buffer.from(row.body))
    assert.equal(result.kind, row.expected)
    if (result.kind === 'valid') assert.equal(result.payload.toString(), row.payload)
  })
}
