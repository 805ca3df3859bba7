// The client's half of a WebSocket close (issue 18): a client that ends its side settles the wait untimed, one that
// does not is cut off once the bound passed, and what it sends meanwhile is read and dropped.
import assert from 'node:assert/strict'
import { Duplex } from 'node:stream'
import { test } from 'node:test'
import { ClientCloseWait } from '../../../../src/router/dispatch/client-close-wait.js'

// A client connection whose writable side the router already ended; `cutOffs` counts the router cutting it off. Not
// destroyed by itself once both sides ended, so only the wait (or the test) closes it.
function endedDuplex(): { duplex: Duplex; cutOffs: number[] } {
  const duplex = new Duplex({ autoDestroy: false, read() {}, write: (_chunk, _encoding, callback) => callback() })
  duplex.end()
  return { duplex, cutOffs: [] }
}

function settled(
  duplex: Duplex,
  timeoutMs: number,
  cutOffs: number[],
): { wait: ClientCloseWait; timedOut: Promise<boolean> } {
  let wait: ClientCloseWait | undefined
  const timedOut = new Promise<boolean>((resolve) => {
    wait = new ClientCloseWait(duplex, {
      timeoutMs,
      cutOff: () => {
        cutOffs.push(1)
        duplex.destroy()
      },
      onSettled: resolve,
    })
  })
  return { wait: wait as ClientCloseWait, timedOut }
}

test('a client that ends its side settles the wait without a cut-off, after its last bytes were dropped', async () => {
  const { duplex, cutOffs } = endedDuplex()
  const { timedOut } = settled(duplex, 60_000, cutOffs)
  duplex.push(Buffer.from('a close frame, then more'))
  duplex.push(null)
  assert.equal(await timedOut, false)
  assert.deepEqual(cutOffs, [])
  assert.equal(duplex.destroyed, true)
})

test('a client that never ends its side is cut off once the bound passed', async () => {
  const { duplex, cutOffs } = endedDuplex()
  const { timedOut } = settled(duplex, 1, cutOffs)
  duplex.push(Buffer.from('data after the close frame'))
  assert.equal(await timedOut, true)
  assert.deepEqual(cutOffs, [1])
})

test('cutOff ends the wait at once, and again is a no-op', async () => {
  const { duplex, cutOffs } = endedDuplex()
  const { wait, timedOut } = settled(duplex, 60_000, cutOffs)
  wait.cutOff()
  wait.cutOff()
  assert.equal(await timedOut, false)
  assert.deepEqual(cutOffs, [1])
})

test('a client that ended its side before the router did settles the wait at once', async () => {
  const { duplex, cutOffs } = endedDuplex()
  duplex.push(null)
  duplex.resume()
  await new Promise((resolve) => duplex.once('end', resolve))
  const { timedOut } = settled(duplex, 60_000, cutOffs)
  assert.equal(await timedOut, false)
  assert.deepEqual(cutOffs, [])
})
