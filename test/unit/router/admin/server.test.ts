// The admin listener's event framing (issue 8 item 1): one Server-Sent Event per message, JSON on one data line.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatServerSentEvent } from '../../../../src/router/admin/server.js'

const cases: { name: string; event: string; data: unknown; expected: string }[] = [
  {
    name: 'an object becomes one data line ended by a blank line',
    event: 'snapshot',
    data: { a: 1 },
    expected: 'event: snapshot\ndata: {"a":1}\n\n',
  },
  {
    name: 'newlines inside strings stay escaped, so the event cannot be split',
    event: 'recent-error',
    data: { message: 'line one\nline two' },
    expected: 'event: recent-error\ndata: {"message":"line one\\nline two"}\n\n',
  },
  { name: 'null is valid JSON data', event: 'snapshot', data: null, expected: 'event: snapshot\ndata: null\n\n' },
]

for (const row of cases) {
  test(`formatServerSentEvent: ${row.name}`, () => {
    assert.equal(formatServerSentEvent(row.event, row.data), row.expected)
  })
}
