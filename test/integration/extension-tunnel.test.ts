// Issue 4 §1, §3, §5: the real extension serves tunnelled requests from a scripted router to the demo app —
// channel headers, the ordering invariant, response framing, channel reuse, streaming, header hygiene, goaway, 409.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { getHeader } from '../../src/protocol/index.js'
import { startHarness } from '../helpers/extension-harness.js'

// Invokes here end by goaway or 409, never by idling, so each test controls its own pace.
const ENV = { LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' }

test('the extension tunnels requests to the app and back over parked channels', async (t) => {
  const harness = await startHarness(t, {
    env: ENV,
    router: { channelStatus: (post) => (post.lambdaId === 'lambda-409' ? 409 : 200) },
  })
  const { router } = harness
  assert.deepEqual(harness.runtime.calls.slice(0, 3), ['register', 'event/next', 'invocation/next'])
  assert.equal((await harness.runtime.registration).name, 'lambda-dispatch')
  assert.deepEqual((await harness.runtime.registration).body, { events: ['SHUTDOWN'] })

  const invoke = harness.invoke({ id: 'lambda-tunnel', numberOfChannels: 2 })

  await t.test('each channel POST carries the original headers and sends no DATA before the HEADERS', async () => {
    const first = await router.nextChannel()
    const second = await router.nextChannel()
    for (const channel of [first, second]) {
      assert.equal(channel.headers[':method'], 'POST')
      assert.equal(channel.headers[':path'], `/api/chunked/request/lambda-tunnel/${channel.channelId}`)
      assert.equal(channel.headers['x-pool-id'], 'default')
      assert.equal(channel.headers['x-lambda-id'], 'lambda-tunnel')
      assert.equal(channel.headers['x-channel-id'], channel.channelId)
      assert.equal(channel.headers['content-type'], 'application/octet-stream')
      assert.match(String(channel.headers.date), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/)
      assert.equal(channel.bytesBeforeHeaders, 0)
    }
    assert.notEqual(first.channelId, second.channelId)

    const exchange = first.send({ method: 'GET', target: '/ping', headers: ['Host', 'example.com'] })
    const result = await exchange.done
    assert.equal(result.reset, false)
    assert.equal(result.head?.status, 200)
    assert.deepEqual(result.head?.headers.slice(0, 4), [
      'X-Lambda-Id',
      'lambda-tunnel',
      'X-Channel-Id',
      first.channelId,
    ])
    assert.equal(result.body.toString(), 'pong')
    assert.match(result.raw.toString('latin1'), /^HTTP\/1\.1 200 OK\r\nX-Lambda-Id: lambda-tunnel\r\n/)

    // Each channel POSTs again with its own id once its exchange is over.
    await router.waitForParked(1)
    assert.deepEqual(
      router.parkedChannels().map((channel) => channel.channelId),
      [first.channelId],
    )
    const viaSecond = await second.send({ method: 'GET', target: '/ping' }).done
    assert.equal(viaSecond.body.toString(), 'pong')
    await router.waitForParked(2)
    assert.deepEqual(
      router.parkedChannels().map((channel) => channel.channelId),
      [first.channelId, second.channelId],
    )
  })

  await t.test('request and response bodies stream through, with hop-by-hop headers stripped', async () => {
    const body = Buffer.from('hello through the tunnel')
    const echo = await router.request(
      {
        method: 'POST',
        target: '/echo',
        headers: ['Content-Type', 'text/plain', 'Content-Length', String(body.length), 'Connection', 'keep-alive'],
      },
      body,
    )
    assert.equal(echo.head?.status, 200)
    assert.deepEqual(echo.body, body)
    assert.equal(getHeader(echo.head?.headers ?? [], 'transfer-encoding'), undefined)
    assert.equal(getHeader(echo.head?.headers ?? [], 'connection'), undefined)
  })

  await t.test(
    'the app sees repeated headers in order, and no hop-by-hop, internal or spoofed internal headers',
    async () => {
      const result = await router.request({
        method: 'GET',
        target: '/headers?x=1',
        headers: [
          'Host',
          'example.com',
          'Accept',
          'text/html',
          'Accept',
          'application/json',
          'Keep-Alive',
          'timeout=5',
          'Connection',
          'X-Drop-Me',
          'X-Drop-Me',
          'secret',
          'X-Lambda-Id',
          'spoofed',
          'TE',
          'trailers',
        ],
      })
      const seen = JSON.parse(result.body.toString()) as { url: string; headers: string[] }
      assert.equal(seen.url, '/headers?x=1')
      const names = seen.headers.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase())
      // undici writes Host (the tunnelled one) and its own Connection first; the client's come next. The ids are
      // not sent unless LAMBDA_DISPATCH_FORWARD_INTERNAL_HEADERS asks (extension-internal-headers.test.ts).
      const ours = names.filter((name) => name !== 'host' && name !== 'connection')
      assert.deepEqual(ours.slice(0, 1), ['accept'])
      for (const internal of ['x-pool-id', 'x-lambda-id', 'x-channel-id']) assert.equal(names.includes(internal), false)
      assert.equal(getHeader(seen.headers, 'host'), 'example.com')
      const accepts = seen.headers.filter((_, index) => index % 2 === 1 && seen.headers[index - 1] === 'Accept')
      assert.deepEqual(accepts, ['text/html', 'application/json'])
      for (const dropped of ['keep-alive', 'x-drop-me', 'te']) assert.equal(names.includes(dropped), false)
      // The only Connection header is the pool's own, not the client's.
      assert.deepEqual(
        seen.headers.filter((_, index) => index % 2 === 1 && seen.headers[index - 1]?.toLowerCase() === 'connection'),
        ['keep-alive'],
      )
    },
  )

  await t.test("the original router's exact request bytes are served (golden transcript)", async () => {
    const golden = readFileSync(resolve(import.meta.dirname, '../fixtures/transcripts/request-post-echo.bin'))
    const result = await (await router.nextChannel()).sendRaw(golden).done
    assert.equal(result.head?.status, 200)
    assert.equal(result.body.toString(), 'Hello World')
    assert.equal(getHeader(result.head?.headers ?? [], 'content-type'), 'text/plain')
  })

  await t.test('repeated response headers such as Set-Cookie all reach the router', async () => {
    const result = await router.request({ method: 'GET', target: '/set-cookies' })
    const cookies = (result.head?.headers ?? []).filter(
      (_, index, list) => index % 2 === 1 && (list[index - 1] as string).toLowerCase() === 'set-cookie',
    )
    assert.deepEqual(cookies, ['session=abc123; Path=/; HttpOnly', 'theme=dark; Path=/; Max-Age=3600'])
  })

  await t.test('app statuses pass through with the canonical reason phrase', async () => {
    const result = await router.request({ method: 'GET', target: '/status/404' })
    assert.match(result.raw.toString('latin1'), /^HTTP\/1\.1 404 Not Found\r\n/)
    const noContent = await router.request({ method: 'GET', target: '/status/204' })
    assert.equal(noContent.head?.status, 204)
    assert.equal(noContent.body.length, 0)
  })

  await t.test('a goaway on one channel stops every channel and the invoke reports RouterGoAway', async () => {
    await router.waitForParked(2)
    // One channel gets the original's exact goaway bytes, the other our serializer's.
    const golden = readFileSync(resolve(import.meta.dirname, '../fixtures/transcripts/goaway.bin'))
    const goaway = await (await router.nextChannel()).sendRaw(golden).done
    assert.equal(goaway.raw.length, 0)
    assert.equal(goaway.reset, false)
    const answered = await router.goawayParked()
    assert.equal(answered, 1)
    const result = await invoke
    assert.equal(result.kind, 'response')
    assert.equal(result.body.ExitReason, 'RouterGoAway')
    assert.equal(result.body.Id, 'lambda-tunnel')
    assert.equal(result.body.PoolId, 'default')
    assert.equal(result.body.RequestCount, 8)
    assert.equal(typeof result.body.InvokeDuration, 'number')
  })

  await t.test('a 409 on channel open stops the invoke with RouterGoAway and no re-POST', async () => {
    const postsBefore = router.posts.length
    const result = await harness.invoke({ id: 'lambda-409', numberOfChannels: 3 })
    assert.equal(result.kind, 'response')
    assert.equal(result.body.ExitReason, 'RouterGoAway')
    assert.equal(router.posts.length - postsBefore, 3)
  })
})
