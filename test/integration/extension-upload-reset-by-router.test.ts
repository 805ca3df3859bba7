// A router that resets a channel mid-upload (a client went away) must never make the app see a complete request: the
// extension aborts the app request on RST_STREAM, whatever its code. The other half of the router fix in
// src/router/http2-reset.ts (the router used to send END_STREAM before the reset); found with the soak (issue 6 item 1).
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { constants } from 'node:http2'
import { test } from 'node:test'
import { resetStream } from '../../src/router/http2-reset.js'
import { startHarness } from '../helpers/extension-harness.js'

const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }
const SENT_BYTES = 100_000

for (const [name, code, rstCode] of [
  ['CANCEL', 'cancel', constants.NGHTTP2_CANCEL],
  ['INTERNAL_ERROR', 'internal-error', constants.NGHTTP2_INTERNAL_ERROR],
] as const) {
  test(`a RST_STREAM ${name} mid-upload aborts the app request instead of ending its body`, async (t) => {
    const harness = await startHarness(t, { env: ENV })
    const { router } = harness
    const app = harness.app
    assert.ok(app)
    const invoke = harness.invoke({ numberOfChannels: 1 })
    const channel = await router.nextChannel()

    const appSaw = new Promise<{ ended: boolean; bytes: number }>((resolve) => {
      app.once('request', (req: IncomingMessage) => {
        let bytes = 0
        let ended = false
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          // Reset only once the app holds every byte sent, so nothing is left in flight to end the body early.
          if (bytes === SENT_BYTES) resetStream(channel.stream, code, 'the client went away')
        })
        req.on('end', () => {
          ended = true
        })
        req.on('error', () => {})
        req.on('close', () => resolve({ ended, bytes }))
      })
    })
    const exchange = channel.send({ method: 'POST', target: '/echo' }, Buffer.alloc(SENT_BYTES, 7), {
      endStream: false,
    })
    const seen = await appSaw
    assert.deepEqual(seen, { ended: false, bytes: SENT_BYTES })
    assert.equal((await exchange.done).rstCode, rstCode)

    // The channel comes back and serves the next request whole.
    const next = await router.request({ method: 'POST', target: '/echo' }, Buffer.from('after the reset'))
    assert.equal(next.body.toString(), 'after the reset')
    await router.waitForParked(1)
    await router.goawayParked()
    assert.equal((await invoke).kind, 'response')
  })
}
