// Issue 14 and 15: a variable with the settings prefix that no table reads is named, with the setting it most likely
// meant, as a warning at start (router, extension) or an error (local flags).
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import {
  createRootLogger,
  describeUnknownSetting,
  unknownSettings,
  warnUnknownSettings,
} from '../../../../src/common/index.js'

const ROUTER = ['LAMBDA_DISPATCH_MaxConcurrentCount', 'LAMBDA_DISPATCH_ChannelCount', 'LAMBDA_DISPATCH_FunctionName']

test('unknownSettings lists only prefixed names that are not known, in any case, with their suggestion', () => {
  const found = unknownSettings(
    [
      'PATH',
      'LAMBDA_DISPATCH_MAXCONCURRENTCOUNT',
      'LAMBDA_DISPATCH_MaxConcurentCount',
      'lambda_dispatch_zzzzzzzzzzzzzzzzzzz',
    ],
    ROUTER,
    'LAMBDA_DISPATCH_',
  )
  assert.deepEqual(found, [
    { name: 'LAMBDA_DISPATCH_MaxConcurentCount', closest: 'LAMBDA_DISPATCH_MaxConcurrentCount' },
    { name: 'lambda_dispatch_zzzzzzzzzzzzzzzzzzz', closest: undefined },
  ])
  assert.equal(
    describeUnknownSetting(found[0] as (typeof found)[0]),
    'LAMBDA_DISPATCH_MaxConcurentCount is not a known setting (did you mean LAMBDA_DISPATCH_MaxConcurrentCount?)',
  )
})

test('warnUnknownSettings writes one warning per unknown name, naming it and its suggestion', () => {
  const lines: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
      done()
    },
  })
  const logger = createRootLogger({ level: 'info', destination })
  warnUnknownSettings(
    logger,
    ['LAMBDA_DISPATCH_ChanelCount', 'LAMBDA_DISPATCH_ChannelCount', 'HOME'],
    ROUTER,
    'LAMBDA_DISPATCH_',
  )
  logger.flush()
  assert.deepEqual(
    lines.map((line) => [line.level, line.variable, line.closest, line.msg]),
    [
      [
        'warn',
        'LAMBDA_DISPATCH_ChanelCount',
        'LAMBDA_DISPATCH_ChannelCount',
        'LAMBDA_DISPATCH_ChanelCount is not a known setting (did you mean LAMBDA_DISPATCH_ChannelCount?)',
      ],
    ],
  )
})
