// The exchange handler contract checker: what it calls a violation, and that a test using it fails by itself when one
// was recorded, after every cleanup of that test has run.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RouterError } from '../../../src/router/errors.js'
import { CheckedHandler, checkHandler, HandlerContractError } from '../../helpers/checked-handler.js'
import { teardown } from '../../helpers/teardown.js'

/** A stand-in for a TestContext that keeps its hooks so the test can run them in order and see how they end. */
function hookTarget() {
  const hooks: (() => unknown)[] = []
  return { after: (fn: () => unknown) => hooks.push(fn), hooks }
}

async function runHooks(hooks: readonly (() => unknown)[]): Promise<void> {
  for (const hook of hooks) await hook()
}

const CONTROLLER = { pause() {}, resume() {}, isResponseComplete: () => false }

class SampleError extends RouterError {
  readonly code = 'LD_SAMPLE'
}

const cases: { name: string; calls: (handler: CheckedHandler) => void; violations: string[] }[] = [
  {
    name: 'start, data and end in order break nothing',
    calls: (handler) => {
      handler.onResponseStart(200, [], CONTROLLER)
      handler.onResponseData(Buffer.from('ok'))
      handler.onResponseEnd()
    },
    violations: [],
  },
  {
    name: 'an error without a start breaks nothing',
    calls: (handler) => handler.onResponseError(new SampleError('upstream failed')),
    violations: [],
  },
  {
    name: 'a second onResponseError is a violation',
    calls: (handler) => {
      handler.onResponseError(new SampleError('first'))
      handler.onResponseError(new SampleError('second'))
    },
    violations: ['onResponseError after error'],
  },
  {
    name: 'data before the start and an end after an error are violations',
    calls: (handler) => {
      handler.onResponseData(Buffer.from('early'))
      handler.onResponseError(new SampleError('failed'))
      handler.onResponseEnd()
    },
    violations: [
      'onResponseData before onResponseStart',
      'onResponseEnd after error',
      'onResponseEnd before onResponseStart',
    ],
  },
]

for (const row of cases) {
  test(`contract: ${row.name}`, () => {
    const handler = new CheckedHandler()
    row.calls(handler)
    assert.deepEqual(handler.violations, row.violations)
  })
}

test('a test whose handler saw a double onResponseError fails after its cleanups, naming the violation', async () => {
  const target = hookTarget()
  const order: string[] = []
  const handler = checkHandler(target)
  teardown(target)(() => {
    order.push('router closed')
    handler.onResponseError(new SampleError('sent while closing'))
  })
  handler.onResponseError(new SampleError('first'))
  const failure = await runHooks(target.hooks).then(
    () => undefined,
    (error: unknown) => error,
  )
  assert.deepEqual(order, ['router closed'])
  assert.ok(failure instanceof HandlerContractError, 'the test fails')
  assert.deepEqual(failure.violations, [['onResponseError after error']])
  assert.match(failure.message, /handler 1: onResponseError after error/)
})

test('a test whose handlers all kept the contract passes, with one check for all of them', async () => {
  const target = hookTarget()
  const first = checkHandler(target)
  const second = checkHandler(target)
  first.onResponseStart(204, [], CONTROLLER)
  first.onResponseEnd()
  second.onResponseError(new SampleError('refused'))
  assert.equal(target.hooks.length, 2, 'the teardown stack and one check')
  await runHooks(target.hooks)
})

test('only the handler that broke the contract is named', async () => {
  const target = hookTarget()
  checkHandler(target).onResponseError(new SampleError('fine'))
  const broken = checkHandler(target)
  broken.onResponseStart(200, [], CONTROLLER)
  broken.onResponseStart(200, [], CONTROLLER)
  await assert.rejects(runHooks(target.hooks), /^HandlerContractError: .*handler 2: onResponseStart called twice$/)
})

test('a wrapped handler that throws is a violation, and the call still reaches the checker', () => {
  const handler = checkHandler(hookTarget(), {
    onResponseStart: () => {
      throw new Error('boom')
    },
    onResponseData: () => {},
    onResponseEnd: () => {},
    onResponseError: () => {},
  })
  handler.onResponseStart(200, [], CONTROLLER)
  assert.deepEqual(handler.violations, ['onResponseStart threw: boom'])
  assert.deepEqual(handler.events, [{ kind: 'start', status: 200, headers: [] }])
})
