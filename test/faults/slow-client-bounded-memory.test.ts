// Issue 6 item 3, fault matrix: a client asks for 64 MiB and then reads 1 byte a second. Back-pressure must reach
// the app through every hop (client socket → router → HTTP/2 stream window → extension → app socket), so neither the
// router nor the extension buffers the body. The bound is counted in bytes, not read off a resident set size (which
// garbage collection and whatever else shares the process move about): every byte the router or the extension holds
// for the client is one the app has written and the client has not read, so the app's lead over the client bounds
// what all the hops buffer together. When the client goes away the app request is aborted and nothing leaks.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  assertPoolAtRest,
  closeAndAssertNoOrphans,
  type FaultStack,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'

const MIB = 1024 * 1024
const BODY_BYTES = 64 * MIB
const TARGET = `/bytes?n=${BODY_BYTES}`
// One read per second is the point of the case: pacing, not synchronisation.
const READ_INTERVAL_MS = 1000
const READS = 4
// The windows on the way: 4 MiB per HTTP/2 stream, plus socket buffers on three loopback connections and Node's
// stream buffers (measured: the app gets about 10 MiB ahead of the client). Anything near the body size would mean a
// hop stopped pushing back. A busy machine only slows the app down, so it never makes the lead larger.
const MAX_APP_AHEAD_BYTES = 24 * MIB

describe('a slow client reads a large response 1 byte a second', () => {
  let fault: FaultStack
  before(async () => {
    fault = await startFaultStack({
      faultApp: true,
      routerSettings: ONE_INSTANCE,
    })
  })
  after(() => fault.close())

  test('router and extension buffer no more than the flow-control windows, the app is held back, and its request is aborted when the client leaves', async (t) => {
    assert.equal((await fault.fetchText('/bytes?n=8388608')).body.length, 8 * MIB)
    const lambdaId = onlyInstance(fault)

    const appAborted = fault.app.next(
      (report) => report.event === 'aborted' && report.target === TARGET,
      fault.app.mark(),
    )
    const client = connect(fault.frontDoorPort, '127.0.0.1')
    client.on('error', () => {})
    t.after(() => client.destroy())
    client.pause()
    client.write(`GET ${TARGET} HTTP/1.1\r\nHost: slow.example\r\n\r\n`)
    // The response is flowing: its first bytes reached the client, so the app has been writing.
    await once(client, 'readable')
    let clientBytes = 0
    const samples: { appBytes: number; clientBytes: number; appWriting: boolean }[] = []
    for (let second = 0; second < READS; second++) {
      await new Promise((resolveTick) => setTimeout(resolveTick, READ_INTERVAL_MS))
      clientBytes += (client.read(1) as Buffer | null)?.length ?? 0
      const progress = JSON.parse((await fault.fetchText('/fault/progress')).body) as {
        target: string
        bodyBytes: number
      }[]
      const entry = progress.find((candidate) => candidate.target === TARGET)
      samples.push({ appBytes: entry?.bodyBytes ?? 0, clientBytes, appWriting: entry !== undefined })
    }
    const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`
    const detail = samples.map((sample) => `app ${mib(sample.appBytes)}`).join('; ')
    for (const sample of samples) {
      assert.ok(sample.appWriting, `the app's response is still open, held back: ${detail}`)
      assert.ok(sample.appBytes > 0, 'the app started writing')
      assert.ok(
        sample.appBytes - sample.clientBytes < MAX_APP_AHEAD_BYTES,
        `the router and the extension together hold less than the windows: ${detail}`,
      )
    }

    client.destroy()
    await appAborted
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    assert.equal(onlyInstance(fault), lambdaId)
    await assertPoolAtRest(fault)
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    await closeAndAssertNoOrphans(fault)
  })
})
