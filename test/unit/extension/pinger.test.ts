// The pinger: what each ping answer means, one ping at a time, and nothing after close().
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Pinger, pingVerdict } from '../../../src/extension/pinger.js'
import { deferred } from '../../helpers/deferred.js'

test('a ping answer of 200 keeps going, 409 means go away, anything else stops', () => {
  assert.deepEqual([200, 409, 404, 500, 302].map(pingVerdict), ['ok', 'goaway', 'stop', 'stop', 'stop'])
})

test('the pinger reports each status, never stacks pings, and stops on close', async () => {
  const statuses: number[] = []
  let sends = 0
  let release: ((status: number) => void) | undefined
  let sent!: () => void
  let firstSent = new Promise<void>((resolve) => {
    sent = resolve
  })
  const { promise: firstReported, resolve: reported } = deferred()
  const pinger = new Pinger({
    intervalMs: 1,
    send: () => {
      sends++
      sent()
      return new Promise<number>((resolve) => {
        release = resolve
      })
    },
    onStatus: (status) => {
      statuses.push(status)
      reported()
    },
    onError: () => assert.fail('no error expected'),
  })
  pinger.start()
  pinger.start()
  await firstSent
  // The first ping is still unanswered: further ticks must not send another one.
  firstSent = new Promise<void>((resolve) => {
    sent = resolve
  })
  const sendsWhilePending = sends
  release?.(200)
  await firstReported
  assert.equal(sendsWhilePending, 1)
  assert.deepEqual(statuses, [200])
  await firstSent
  pinger.close()
  release?.(409)
  await Promise.resolve()
  assert.deepEqual(statuses, [200])
})

test('a failed ping goes to onError', async () => {
  const failed = new Promise<Error>((resolve) => {
    const pinger = new Pinger({
      intervalMs: 1,
      send: () => Promise.reject(new Error('no session')),
      onStatus: () => assert.fail('no status expected'),
      onError: (error) => {
        pinger.close()
        resolve(error)
      },
    })
    pinger.start()
  })
  assert.equal((await failed).message, 'no session')
})
