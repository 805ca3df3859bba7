// Issue 6 item 4, bad-input matrix, control channel: what an extension (or an impostor) can send the router's
// control port wrong, against the whole local stack with its real extension serving: HTTP/1.1 on the h2c-only port,
// control requests without their headers, unknown and retired instance ids and unknown pools on every route, and a
// channel beyond the instance's NumberOfChannels (issue 13: 429). Each gets its status, nothing crashes, and the real
// extension serves on. The impostor has no channel token, like the original extension, so the router runs with
// AllowUnauthenticatedChannels; without it every route answers 403 (control-channel-authentication.test.ts).
// test/integration/router-control-routes.test.ts pins the exact wording against a scripted pool; malformed response
// heads from a channel are in router-upstream-failures.test.ts and app-malformed-head.test.ts.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as netConnect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  anotherInstanceOpened,
  assertPoolAtRest,
  channelsParked,
  closeAndAssertNoOrphans,
  type FaultStack,
  http2ErrorCount,
  instanceEntered,
  ONE_INSTANCE,
  onlyInstance,
  startFaultStack,
} from '../helpers/fault-stack.js'
import { ScriptedExtension } from '../helpers/scripted-extension.js'
import { teardown } from '../helpers/teardown.js'

const NO_INSTANCE = /^No LambdaInstance found for X-PoolId: default, X-Lambda-Id: /

describe('bad input on the control channel', () => {
  let fault: FaultStack
  let extension: ScriptedExtension
  let lambdaId: string

  const defer = teardown({ after })

  before(async () => {
    fault = await startFaultStack({
      routerSettings: {
        ...ONE_INSTANCE,
        LAMBDA_DISPATCH_MaxConcurrentCount: '1',
        LAMBDA_DISPATCH_ChannelCount: '1',
        // The scripted peer stands in for the original extension, which has no channel token.
        LAMBDA_DISPATCH_AllowUnauthenticatedChannels: 'true',
      },
    })
    defer(() => fault.close())
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    lambdaId = onlyInstance(fault)
    extension = await ScriptedExtension.connect(fault.stack.addresses.controlUrls[0] as string)
    defer(() => extension.destroy())
  })

  test('HTTP/1.1 on the h2c-only control port gets no HTTP/1.1 answer, is counted as a bad preface and closed', async () => {
    const before = await http2ErrorCount(fault, 'bad_preface')
    const socket = netConnect(fault.controlPort, '127.0.0.1')
    socket.on('error', () => {})
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(socket, 'connect')
    socket.write(`GET /api/chunked/ping/${lambdaId} HTTP/1.1\r\nHost: x\r\n\r\n`)
    await once(socket, 'close')
    assert.doesNotMatch(Buffer.concat(chunks).toString('latin1'), /HTTP\/1\.1/)
    assert.equal(await http2ErrorCount(fault, 'bad_preface'), before + 1)
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
  })

  test('a channel POST without X-Lambda-Id, or with a blank one, gets 400 and parks nothing', async () => {
    // The real extension's one channel may still be on its way back from the last case's request.
    await channelsParked(fault, lambdaId, 1)
    for (const lambdaIdHeader of [null, ' '] as const) {
      const answer = await extension.ping(lambdaId, {
        method: 'POST',
        path: `/api/chunked/request/${lambdaId}/no-header`,
        lambdaIdHeader,
      })
      assert.equal(answer.status, 400)
      assert.equal(answer.body, 'No X-Lambda-Id header')
    }
    assert.equal(fault.pool().instances[0]?.parkedChannels, 1)
  })

  test('an unknown instance id gets 409 on the channel, ping and close routes', async () => {
    const channel = extension.openChannel('no-such-instance', 'c1')
    assert.equal((await channel.response)?.status, 409)
    channel.end()
    assert.match((await channel.raw).toString(), NO_INSTANCE)
    assert.equal((await extension.ping('no-such-instance')).status, 409)
    assert.equal((await extension.close('no-such-instance')).status, 409)
    assert.equal(onlyInstance(fault), lambdaId, 'the real instance is untouched')
  })

  test('an unknown pool gets 409 from the header and from the path on every route', async () => {
    const byHeader = extension.openChannel(lambdaId, 'c1', { poolId: 'elsewhere' })
    assert.equal((await byHeader.response)?.status, 409)
    byHeader.end()
    assert.equal((await byHeader.raw).toString(), 'No Pool found for X-Pool-Id: elsewhere, closing')
    const byPath = extension.openChannel(lambdaId, 'c1', {
      path: `/api/chunked/request/poolId/elsewhere/lambdaId/${lambdaId}/channelId/c1`,
    })
    assert.equal((await byPath.response)?.status, 409)
    byPath.end()
    assert.equal((await extension.ping(lambdaId, { poolId: 'elsewhere' })).status, 409)
    assert.equal((await extension.close(lambdaId, { poolId: 'elsewhere' })).status, 409)
    assert.equal(onlyInstance(fault), lambdaId, 'closing in another pool did not touch this instance')
  })

  test('unknown routes and wrong methods get 404', async () => {
    for (const [method, path] of [
      ['GET', '/api/chunked/reset'],
      ['GET', `/api/chunked/request/${lambdaId}/c1`],
      ['POST', `/api/chunked/ping/${lambdaId}`],
      ['DELETE', `/api/chunked/close/${lambdaId}`],
    ] as const) {
      const answer = await extension.ping(lambdaId, { method, path })
      assert.equal(answer.status, 404, `${method} ${path}`)
    }
  })

  test('a channel POST beyond the instance NumberOfChannels gets a bare 429, parks nothing, and the real extension serves on', async () => {
    // The real extension holds the instance's one channel place (ChannelCount 1); a re-POST of a known id would take
    // its own place again (test/integration/control-channel-authentication.test.ts), a new id has none.
    await channelsParked(fault, lambdaId, 1)
    const before = fault.pool().instances[0]?.parkedChannels
    for (const id of ['extra-1', 'extra-2']) {
      const channel = extension.openChannel(lambdaId, id)
      assert.equal((await channel.response)?.status, 429)
      channel.end()
      assert.equal((await channel.raw).length, 0)
    }
    assert.equal(fault.pool().instances[0]?.parkedChannels, before)
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    assert.equal(onlyInstance(fault), lambdaId)
    await assertPoolAtRest(fault)
  })

  test('once an instance has retired, its id gets 409 on the channel, ping and close routes, and a new instance serves', async () => {
    const from = fault.events.instanceStateChanged.mark()
    // The impostor knows the id: it may ask the router to retire the instance, as the extension does at its deadline.
    const closeAnswer = await extension.close(lambdaId)
    assert.equal(closeAnswer.status, 200)
    await instanceEntered(fault, lambdaId, 'closed', from)
    const replacement = await anotherInstanceOpened(fault, [lambdaId], from)
    const channel = extension.openChannel(lambdaId, 'late')
    assert.equal((await channel.response)?.status, 409)
    channel.end()
    assert.match((await channel.raw).toString(), NO_INSTANCE)
    assert.equal((await extension.ping(lambdaId)).status, 409)
    assert.equal((await extension.close(lambdaId)).status, 409)
    assert.equal((await fault.fetchText('/ping')).body, 'pong')
    assert.equal(replacement.lambdaId, onlyInstance(fault), 'the replacement serves')
    await assertPoolAtRest(fault, [lambdaId])
  })

  test('the stack then closes and leaves no process or socket behind', async () => {
    extension.destroy()
    await once(extension.session, 'close')
    await closeAndAssertNoOrphans(fault)
  })
})
