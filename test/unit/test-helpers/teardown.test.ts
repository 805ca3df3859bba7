// The suite's teardown helper: last-in first-out, every cleanup runs when one throws, and every failure is reported.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runLastInFirstOut, TeardownErrors, teardown } from '../../helpers/teardown.js'

/** A stand-in for a TestContext that keeps the hook so the test can run it and see how it ends. */
function hookTarget() {
  const hooks: (() => unknown)[] = []
  return { after: (fn: () => unknown) => hooks.push(fn), hooks }
}

test('cleanups run last-in first-out, each awaited before the next starts', async () => {
  const target = hookTarget()
  const defer = teardown(target)
  const order: string[] = []
  defer(() => order.push('remove directory'))
  defer(async () => {
    await new Promise<void>((resolve) => setImmediate(resolve))
    order.push('close browser')
  })
  defer(() => order.push('close page'))
  assert.equal(target.hooks.length, 1, 'one after hook for the whole stack')
  await target.hooks[0]?.()
  assert.deepEqual(order, ['close page', 'close browser', 'remove directory'])
})

test("every teardown of one context shares one stack, so a helper's server is stopped after what the test started on it", async () => {
  const target = hookTarget()
  const order: string[] = []
  teardown(target)(() => order.push('close server'))
  teardown(target)(() => order.push('close client'))
  assert.equal(target.hooks.length, 1, 'one after hook for the context')
  await target.hooks[0]?.()
  assert.deepEqual(order, ['close client', 'close server'])
})

test('a cleanup that throws does not stop the ones registered before it, and its error is rethrown', async () => {
  const order: string[] = []
  const failure = new Error('rmdir: directory not empty')
  const cleanups = [() => order.push('first'), () => Promise.reject(failure), () => order.push('third')]
  await assert.rejects(runLastInFirstOut(cleanups), (error) => error === failure)
  assert.deepEqual(order, ['third', 'first'])
  assert.equal(cleanups.length, 0)
})

test('several failing cleanups are all reported in one TeardownErrors, in the order they ran', async () => {
  const ran: number[] = []
  const cleanups = [1, 2, 3].map((n) => () => {
    ran.push(n)
    if (n !== 2) throw new Error(`cleanup ${n} failed`)
  })
  await assert.rejects(runLastInFirstOut(cleanups), (error) => {
    assert.ok(error instanceof TeardownErrors)
    assert.deepEqual(
      error.errors.map((e: Error) => e.message),
      ['cleanup 3 failed', 'cleanup 1 failed'],
    )
    assert.match(error.message, /2 cleanups failed: cleanup 3 failed; cleanup 1 failed/)
    return true
  })
  assert.deepEqual(ran, [3, 2, 1])
})

test('with no failure the hook resolves and the stack is empty', async () => {
  const cleanups = [() => undefined, async () => undefined]
  await runLastInFirstOut(cleanups)
  assert.equal(cleanups.length, 0)
})
