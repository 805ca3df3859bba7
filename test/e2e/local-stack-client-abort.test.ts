// Issue 5: a client that aborts mid-upload or mid-download leaves no busy channel or queued request behind, and the
// same instance keeps serving.
import assert from 'node:assert/strict'
import http from 'node:http'
import { describe, test } from 'node:test'
import { request } from 'undici'
import { busyChannelsAndQueue, h1Client, startE2eStack } from '../helpers/e2e-stack.js'

async function settled(stack: Awaited<ReturnType<typeof startE2eStack>>): Promise<void> {
  for (const pool of stack.router.pools.values()) await pool.dispatcher.whenIdle()
}

async function twentyConcurrentPings(url: string, t: Parameters<typeof h1Client>[0]): Promise<number[]> {
  const agent = h1Client(t, 20)
  return Promise.all(
    Array.from({ length: 20 }, async () => {
      const response = await request(`${url}/ping`, { dispatcher: agent })
      await response.body.text()
      return response.statusCode
    }),
  )
}

describe('client aborts leave nothing behind', () => {
  test('a client that aborts mid-upload frees its channel and later requests succeed', async (t) => {
    const stack = await startE2eStack(t)
    const url = stack.addresses.frontDoorUrl
    await twentyConcurrentPings(url, t)
    await new Promise<void>((resolve) => {
      const upload = http.request(`${url}/echo`, {
        method: 'POST',
        agent: false,
        headers: { 'content-length': '10000000' },
      })
      upload.on('error', () => resolve())
      upload.on('close', () => resolve())
      // The echo streams back as it arrives: once the first bytes return, the upload is mid-way; abort it there.
      upload.on('response', (response) => {
        response.once('data', () => upload.destroy())
        response.on('error', () => {})
      })
      upload.write(Buffer.alloc(256 * 1024, 7))
    })
    await settled(stack)
    assert.deepEqual(busyChannelsAndQueue(stack), { busyChannels: 0, queued: 0 })
    assert.deepEqual(await twentyConcurrentPings(url, t), Array(20).fill(200))
  })

  test('a client that aborts mid-download frees its channel and later requests succeed', async (t) => {
    const stack = await startE2eStack(t)
    const url = stack.addresses.frontDoorUrl
    const controller = new AbortController()
    const response = await request(`${url}/bytes?n=200000000`, { dispatcher: h1Client(t), signal: controller.signal })
    assert.equal(response.statusCode, 200)
    let receivedBytes = 0
    await assert.rejects(async () => {
      for await (const piece of response.body) {
        receivedBytes += (piece as Buffer).length
        if (receivedBytes > 1_000_000) controller.abort()
      }
    })
    assert.ok(receivedBytes < 200_000_000, 'the download was cut short')
    await settled(stack)
    assert.deepEqual(busyChannelsAndQueue(stack), { busyChannels: 0, queued: 0 })
    assert.deepEqual(await twentyConcurrentPings(url, t), Array(20).fill(200))
    assert.equal(stack.lambda.stats(stack.functionName).functionErrors, 0, 'the abort did not fail the invoke')
  })
})
