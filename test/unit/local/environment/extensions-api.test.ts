// Parsing of an extension's register body.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRegisteredEvents } from '../../../../src/local/environment/extensions-api.js'

const cases: { name: string; body: string; expected: string[] | string }[] = [
  { name: 'INVOKE and SHUTDOWN', body: '{"events":["INVOKE","SHUTDOWN"]}', expected: ['INVOKE', 'SHUTDOWN'] },
  {
    name: 'SHUTDOWN only, as the original extension registers',
    body: '{"events":["SHUTDOWN"]}',
    expected: ['SHUTDOWN'],
  },
  { name: 'no events', body: '{"events":[]}', expected: [] },
  { name: 'an empty body', body: '', expected: [] },
  { name: 'an unknown event type', body: '{"events":["RESTORE"]}', expected: 'Extension.InvalidEventType' },
  { name: 'events that are not a list', body: '{"events":"INVOKE"}', expected: 'InvalidRequestFormat' },
  { name: 'a body that is not JSON', body: '{', expected: 'InvalidRequestFormat' },
]

for (const row of cases) {
  test(`parseRegisteredEvents: ${row.name}`, () => {
    const parsed = parseRegisteredEvents(Buffer.from(row.body))
    if (typeof row.expected === 'string') {
      assert.equal(parsed.kind === 'invalid' ? parsed.errorType : 'valid', row.expected)
    } else {
      assert.deepEqual(parsed.kind === 'valid' ? [...parsed.events] : parsed, row.expected)
    }
  })
}
