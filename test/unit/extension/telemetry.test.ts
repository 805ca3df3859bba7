// Issue 13 item 4: the extension's log lines for an invoke name its instance by an 8-character prefix, and by the
// whole id only at debug level.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ExtensionTelemetry } from '../../../src/extension/telemetry.js'
import { captureLogs } from '../../helpers/log-capture.js'

const REQUEST = { poolId: 'default', id: '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21' }

for (const row of [
  { level: 'info', expect: '0f8e8b8a' },
  { level: 'debug', expect: REQUEST.id },
] as const) {
  test(`at ${row.level} level an invoke's lines carry lambdaId ${row.expect}`, () => {
    const logs = captureLogs(row.level)
    new ExtensionTelemetry(logs.logger).forInvoke(REQUEST, 'aws-1').closeFailed(new Error('x'))
    assert.equal(logs.lines.at(-1)?.lambdaId, row.expect)
  })
}
