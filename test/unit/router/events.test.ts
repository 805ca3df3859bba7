// The router's event channels (issue 15 item 1): subscribers hear every message in subscription order, an
// unsubscribed listener hears nothing more, and a channel tells publishers whether anybody listens.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EventChannel, RouterEvents } from '../../../src/router/events.js'

test('subscribers hear each message in the order they subscribed, and not after they unsubscribe', () => {
  const channel = new EventChannel<number>()
  const heard: string[] = []
  const unsubscribeFirst = channel.subscribe((message) => heard.push(`first ${message}`))
  channel.subscribe((message) => heard.push(`second ${message}`))
  channel.publish(1)
  unsubscribeFirst()
  channel.publish(2)
  assert.deepEqual(heard, ['first 1', 'second 1', 'second 2'])
})

test('a channel has subscribers only between a subscribe and its unsubscribe', () => {
  const channel = new EventChannel<string>()
  assert.equal(channel.hasSubscribers, false)
  const unsubscribe = channel.subscribe(() => {})
  assert.equal(channel.hasSubscribers, true)
  unsubscribe()
  assert.equal(channel.hasSubscribers, false)
})

test('a listener that unsubscribes while a message is delivered does not stop the others hearing it', () => {
  const channel = new EventChannel<number>()
  const heard: string[] = []
  const unsubscribe = channel.subscribe(() => {
    heard.push('first')
    unsubscribe()
  })
  channel.subscribe(() => heard.push('second'))
  channel.publish(1)
  channel.publish(2)
  assert.deepEqual(heard, ['first', 'second', 'second'])
})

test('two routers in one process never hear each other', () => {
  const one = new RouterEvents()
  const two = new RouterEvents()
  const heard: string[] = []
  one.connectionDropped.subscribe(({ reason }) => heard.push(reason))
  two.connectionDropped.publish({ reason: 'max-connections' })
  one.connectionDropped.publish({ reason: 'preface-timeout' })
  assert.deepEqual(heard, ['preface-timeout'])
})
