// RequestAbort behaves as AbortController does for everything the dispatcher and its exchanges use: each case runs
// against both, so the light signal the front door hands out cannot drift from the one it replaces.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { test } from 'node:test'
import { type AbortListener, RequestAbort, type RequestSignal } from '../../../../src/router/dispatch/request-abort.js'

interface Controller {
  readonly signal: RequestSignal
  abort(reason?: unknown): void
}

const KINDS: ReadonlyArray<[string, () => Controller]> = [
  ['AbortController', () => new AbortController()],
  ['RequestAbort', () => new RequestAbort()],
]

for (const [kind, make] of KINDS) {
  test(`${kind}: listeners hear one abort, in the order they were added, with the reason set`, () => {
    const controller = make()
    const heard: string[] = []
    const reason = new Error('client gone')
    controller.signal.addEventListener('abort', () => heard.push(`first ${controller.signal.reason === reason}`))
    controller.signal.addEventListener('abort', { handleEvent: () => heard.push('second') })
    assert.equal(controller.signal.aborted, false)
    assert.equal(controller.signal.reason, undefined)
    controller.abort(reason)
    controller.abort(new Error('again'))
    assert.deepEqual(heard, ['first true', 'second'])
    assert.equal(controller.signal.aborted, true)
    assert.equal(controller.signal.reason, reason)
  })

  test(`${kind}: a removed listener is not called, and one added twice is called once`, () => {
    const controller = make()
    const heard: string[] = []
    const kept = (): number => heard.push('kept')
    const removed = (): number => heard.push('removed')
    controller.signal.addEventListener('abort', kept)
    controller.signal.addEventListener('abort', kept)
    controller.signal.addEventListener('abort', removed)
    controller.signal.removeEventListener('abort', removed)
    controller.signal.removeEventListener('abort', () => heard.push('never added'))
    controller.abort()
    assert.deepEqual(heard, ['kept'])
  })

  test(`${kind}: a listener removed by an earlier one during the abort is not called`, () => {
    const controller = make()
    const heard: string[] = []
    const later: AbortListener = { handleEvent: () => heard.push('later') }
    controller.signal.addEventListener('abort', () => {
      heard.push('earlier')
      controller.signal.removeEventListener('abort', later)
    })
    controller.signal.addEventListener('abort', later)
    controller.abort()
    assert.deepEqual(heard, ['earlier'])
  })

  test(`${kind}: a listener that removes itself while called lets the next one run`, () => {
    const controller = make()
    const heard: string[] = []
    const self: AbortListener = {
      handleEvent: () => {
        heard.push('self')
        controller.signal.removeEventListener('abort', self)
      },
    }
    controller.signal.addEventListener('abort', self)
    controller.signal.addEventListener('abort', () => heard.push('next'))
    controller.abort()
    assert.deepEqual(heard, ['self', 'next'])
  })

  test(`${kind}: a listener added after the abort is never called`, async () => {
    const controller = make()
    controller.abort()
    let called = false
    controller.signal.addEventListener('abort', () => {
      called = true
    })
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(called, false)
  })

  test(`${kind}: without a reason, the reason is an AbortError`, () => {
    const controller = make()
    controller.abort()
    assert.ok(controller.signal.reason instanceof DOMException)
    assert.equal((controller.signal.reason as DOMException).name, 'AbortError')
  })

  test(`${kind}: events.once resolves on the abort`, async () => {
    const controller = make()
    const aborted = once(controller.signal as unknown as EventTarget, 'abort')
    controller.abort('bye')
    await aborted
    assert.equal(controller.signal.reason, 'bye')
  })
}
