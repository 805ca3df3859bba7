// Issue 13 item 4: an error that names an instance or channel keeps the whole ids in its fields (for code and debug
// logs), but its message, its toJSON() (the snapshot, the event stream) and log lines above debug show the prefix.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import type { LambdaDispatchError } from '../../src/common/index.js'
import { ChannelEndedWithoutResponseError } from '../../src/extension/errors.js'
import {
  BadUpstreamFramingError,
  BadUpstreamHeadError,
  BodyIdleTimeoutError,
  HeadTimeoutError,
  TunnelOrderingError,
  UpstreamClosedError,
} from '../../src/router/errors.js'
import { captureLogs } from '../helpers/log-capture.js'

const ROOT = resolve(import.meta.dirname, '../..')
const LAMBDA_ID = '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21'
const CHANNEL_ID = '7d2c4b1e-9a0f-4e6d-8b3c-2f1a0e9d8c7b'

interface Row {
  readonly error: LambdaDispatchError & { readonly channelId: string; readonly lambdaId?: string }
}

const ROWS: readonly Row[] = [
  { error: new HeadTimeoutError(LAMBDA_ID, CHANNEL_ID, 5000) },
  { error: new BodyIdleTimeoutError(LAMBDA_ID, CHANNEL_ID, 30000) },
  { error: new BadUpstreamHeadError(LAMBDA_ID, CHANNEL_ID, { cause: new Error('bad status line') }) },
  { error: new BadUpstreamFramingError(LAMBDA_ID, CHANNEL_ID, 'overrun', 12) },
  { error: new UpstreamClosedError(LAMBDA_ID, CHANNEL_ID, true) },
  { error: new TunnelOrderingError(LAMBDA_ID, CHANNEL_ID) },
  { error: new ChannelEndedWithoutResponseError(CHANNEL_ID, 3, 1) },
]

function assertPrefixOnly(text: string, name: string): void {
  assert.equal(text.includes(LAMBDA_ID), false, `${name} carries the whole instance id`)
  assert.equal(text.includes(CHANNEL_ID), false, `${name} carries the whole channel id`)
}

for (const { error } of ROWS) {
  test(`${error.name}: the message and toJSON() show the 8-character id prefix; the fields keep the whole ids`, () => {
    assert.ok(error.message.includes(CHANNEL_ID.slice(0, 8)), error.message)
    assertPrefixOnly(error.message, 'the message')
    const json = JSON.stringify(error)
    assertPrefixOnly(json, 'toJSON()')
    const written = JSON.parse(json) as Record<string, unknown>
    assert.equal(written.code, error.code)
    assert.equal(written.channelId, CHANNEL_ID.slice(0, 8))
    assert.equal(error.channelId, CHANNEL_ID)
    if (error.lambdaId !== undefined) {
      assert.ok(error.message.includes(LAMBDA_ID.slice(0, 8)), error.message)
      assert.equal(written.lambdaId, LAMBDA_ID.slice(0, 8))
      assert.equal(error.lambdaId, LAMBDA_ID)
    }
    const full = error.serialize({ fullIds: true })
    assert.equal(full.channelId, CHANNEL_ID)
    assert.equal(full.lambdaId, error.lambdaId)
  })
}

test('an id-carrying error wrapped as the cause of another is written with the prefix too', () => {
  const inner = new HeadTimeoutError(LAMBDA_ID, CHANNEL_ID, 5000)
  const outer = new UpstreamClosedError(LAMBDA_ID, CHANNEL_ID, false, { cause: inner })
  const written = JSON.parse(JSON.stringify(outer)) as { cause: Record<string, unknown> }
  assert.equal(written.cause.lambdaId, LAMBDA_ID.slice(0, 8))
  assertPrefixOnly(JSON.stringify(outer), 'the cause chain')
  const full = outer.serialize({ fullIds: true }) as { cause: Record<string, unknown> }
  assert.equal(full.cause.lambdaId, LAMBDA_ID)
})

test('a log line above debug writes the error with the prefix; a debug logger writes the whole ids', () => {
  const error = new HeadTimeoutError(LAMBDA_ID, CHANNEL_ID, 5000)
  const quiet = captureLogs('info')
  quiet.logger.warn({ err: error }, 'request timed out')
  const quietErr = quiet.lines[0]?.err as Record<string, unknown>
  assert.equal(quietErr.code, 'LD_HEAD_TIMEOUT')
  assert.equal(quietErr.lambdaId, LAMBDA_ID.slice(0, 8))
  assert.equal(typeof quietErr.stack, 'string')
  assertPrefixOnly(JSON.stringify(quiet.lines), 'the warn line')

  const verbose = captureLogs('debug')
  verbose.logger.warn({ err: error }, 'request timed out')
  const verboseErr = verbose.lines[0]?.err as Record<string, unknown>
  assert.equal(verboseErr.lambdaId, LAMBDA_ID)
  assert.equal(verboseErr.channelId, CHANNEL_ID)
})

/** Every error class in src whose context names an instance or channel (a `readonly lambdaId`/`channelId` field). */
function idCarryingClasses(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return idCarryingClasses(path)
    if (name !== 'errors.ts') return []
    return readFileSync(path, 'utf8')
      .split(/^export /m)
      .filter((block) => /readonly (lambdaId|channelId)\b/.test(block))
      .map((block) => /class (\w+)/.exec(block)?.[1] as string)
  })
}

test('the table covers every error class that carries an instance or channel id', () => {
  const covered = ROWS.map((row) => row.error.name).sort()
  assert.deepEqual(idCarryingClasses(join(ROOT, 'src')).sort(), covered)
})
