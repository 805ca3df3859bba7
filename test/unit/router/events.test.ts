// The router's event channels (issue 15 item 1): subscribers hear every message in subscription order, an
// unsubscribed listener hears nothing more, a channel tells publishers whether anybody listens, and a subscriber that
// throws reaches neither the other subscribers nor the publisher.
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

test('a subscriber that throws stops neither the next subscriber nor the publisher, and is reported once', () => {
  const reported: Array<{ message: string; channel: string }> = []
  const events = new RouterEvents({
    onSubscriberError: (error, channel) => reported.push({ message: (error as Error).message, channel }),
  })
  const heard: string[] = []
  events.connectionDropped.subscribe(({ reason }) => {
    heard.push(`first ${reason}`)
    throw new Error('subscriber bug')
  })
  events.connectionDropped.subscribe(({ reason }) => heard.push(`second ${reason}`))
  events.connectionDropped.publish({ reason: 'max-connections' })
  events.connectionDropped.publish({ reason: 'preface-timeout' })
  heard.push('publisher went on')
  assert.deepEqual(heard, [
    'first max-connections',
    'second max-connections',
    'first preface-timeout',
    'second preface-timeout',
    'publisher went on',
  ])
  assert.deepEqual(reported, [{ message: 'subscriber bug', channel: 'connectionDropped' }])
})

test('a channel made without a listener reports a throwing subscriber as a process warning', async () => {
  const channel = new EventChannel<number>('numbers')
  channel.subscribe(() => {
    throw new Error('subscriber bug')
  })
  const warned = new Promise<Error>((resolve) => process.once('warning', resolve))
  assert.doesNotThrow(() => channel.publish(1))
  const warning = await warned
  assert.equal(warning.name, 'LambdaDispatchSubscriberError')
  assert.match(warning.message, /numbers event threw.*subscriber bug/)
})
