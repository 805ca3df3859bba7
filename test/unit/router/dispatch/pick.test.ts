// Table tests of the pure picking decisions: least outstanding with hidden spares, admission, scale-in choice.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type Admission,
  type PickCandidate,
  pickChannel,
  pickInstance,
  pickInstancesToStop,
  pickWebSocketInstance,
  type StopCandidate,
  type WebSocketCandidate,
} from '../../../../src/router/dispatch/pick.js'

type Named = PickCandidate & { name: string }
const inst = (name: string, state: PickCandidate['state'], outstanding: number, available: number): Named => ({
  name,
  state,
  outstanding,
  available,
})

const instanceCases: ReadonlyArray<{ name: string; instances: Named[]; picked: string | undefined }> = [
  { name: 'no instances', instances: [], picked: undefined },
  { name: 'the only open instance with a channel', instances: [inst('a', 'open', 0, 1)], picked: 'a' },
  { name: 'the least outstanding', instances: [inst('a', 'open', 3, 1), inst('b', 'open', 1, 2)], picked: 'b' },
  { name: 'the first among equals', instances: [inst('a', 'open', 1, 1), inst('b', 'open', 1, 1)], picked: 'a' },
  {
    name: 'open over draining among equals',
    instances: [inst('a', 'draining', 1, 1), inst('b', 'open', 1, 1)],
    picked: 'b',
  },
  {
    name: 'a draining instance when it is less busy',
    instances: [inst('a', 'draining', 0, 1), inst('b', 'open', 1, 1)],
    picked: 'a',
  },
  {
    name: 'nothing at its cap (spares hidden: available 0)',
    instances: [inst('a', 'open', 2, 0), inst('b', 'open', 5, 0)],
    picked: undefined,
  },
  {
    name: 'not a starting, closing or closed instance',
    instances: [inst('a', 'starting', 0, 1), inst('b', 'closing', 0, 1), inst('c', 'closed', 0, 1)],
    picked: undefined,
  },
]

for (const row of instanceCases) {
  test(`pickInstance picks ${row.name}`, () => {
    assert.equal(pickInstance(row.instances)?.name, row.picked)
  })
}

const open: Admission = { closing: false, noCapacity: false, queueLength: 0, queueLimit: 10 }
const channelCases: ReadonlyArray<{
  name: string
  instances: Named[]
  admission: Admission
  expected: string
}> = [
  { name: 'a free channel is taken', instances: [inst('a', 'open', 0, 1)], admission: open, expected: 'channel:a' },
  { name: 'no free channel queues', instances: [inst('a', 'open', 1, 0)], admission: open, expected: 'queue' },
  {
    name: 'a waiting queue goes first even with a free channel',
    instances: [inst('a', 'open', 0, 1)],
    admission: { ...open, queueLength: 1 },
    expected: 'queue',
  },
  {
    name: 'a full queue rejects',
    instances: [],
    admission: { ...open, queueLength: 10 },
    expected: 'reject:queue-full',
  },
  {
    name: 'a zero limit rejects at once',
    instances: [],
    admission: { ...open, queueLimit: 0 },
    expected: 'reject:queue-full',
  },
  {
    name: 'no capacity rejects instead of queueing',
    instances: [],
    admission: { ...open, noCapacity: true },
    expected: 'reject:no-capacity',
  },
  {
    name: 'no capacity still uses a free channel',
    instances: [inst('a', 'open', 0, 1)],
    admission: { ...open, noCapacity: true },
    expected: 'channel:a',
  },
  {
    name: 'closing rejects even with a free channel',
    instances: [inst('a', 'open', 0, 1)],
    admission: { ...open, closing: true },
    expected: 'reject:closing',
  },
]

for (const row of channelCases) {
  test(`pickChannel: ${row.name}`, () => {
    const result = pickChannel(row.instances, row.admission)
    const summary =
      result.kind === 'channel'
        ? `channel:${result.instance.name}`
        : result.kind === 'reject'
          ? `reject:${result.reason}`
          : 'queue'
    assert.equal(summary, row.expected)
  })
}

type Stoppable = StopCandidate & { name: string }
const stop = (name: string, state: StopCandidate['state'], outstanding: number, createdAtMs: number): Stoppable => ({
  name,
  state,
  outstanding,
  createdAtMs,
})

const stopCases: ReadonlyArray<{ name: string; instances: Stoppable[]; count: number; stopped: string[] }> = [
  { name: 'nothing for 0', instances: [stop('a', 'open', 0, 1)], count: 0, stopped: [] },
  {
    name: 'idle before busy',
    instances: [stop('a', 'open', 2, 1), stop('b', 'open', 0, 2), stop('c', 'open', 1, 3)],
    count: 2,
    stopped: ['b', 'c'],
  },
  {
    name: 'the oldest among equally idle',
    instances: [stop('a', 'open', 0, 5), stop('b', 'open', 0, 1)],
    count: 1,
    stopped: ['b'],
  },
  {
    name: 'only open instances',
    instances: [
      stop('a', 'starting', 0, 1),
      stop('b', 'draining', 0, 1),
      stop('c', 'closing', 0, 1),
      stop('d', 'open', 3, 9),
    ],
    count: 3,
    stopped: ['d'],
  },
  {
    name: 'an instance without WebSockets before one holding them (issue 18: open WebSockets are not idle)',
    instances: [{ ...stop('a', 'open', 0, 1), webSocketCount: 2 }, stop('b', 'open', 1, 2)],
    count: 1,
    stopped: ['b'],
  },
]

for (const row of stopCases) {
  test(`pickInstancesToStop chooses ${row.name}`, () => {
    assert.deepEqual(
      pickInstancesToStop(row.instances, row.count).map((instance) => instance.name),
      row.stopped,
    )
  })
}

type Socketable = WebSocketCandidate & { name: string }
const ws = (
  name: string,
  state: WebSocketCandidate['state'],
  advertisesWebSocket: boolean,
  canTakeWebSocket: boolean,
  webSocketCount: number,
  hasWebSocketRoom = canTakeWebSocket,
): Socketable => ({ name, state, advertisesWebSocket, canTakeWebSocket, webSocketCount, hasWebSocketRoom })

const webSocketCases: ReadonlyArray<{ name: string; instances: Socketable[]; closing?: boolean; expected: string }> = [
  { name: 'no instance yet: no capacity', instances: [], expected: 'reject:no-capacity' },
  { name: 'a capable instance with room', instances: [ws('a', 'open', true, true, 0)], expected: 'instance:a' },
  {
    name: 'the capable instance with the fewest WebSockets',
    instances: [ws('a', 'open', true, true, 5), ws('b', 'open', true, true, 2)],
    expected: 'instance:b',
  },
  {
    name: 'only instances that never advertised it: unsupported (the original extension)',
    instances: [ws('a', 'open', false, false, 0), ws('b', 'draining', false, false, 0)],
    expected: 'reject:unsupported',
  },
  {
    name: 'capable instances all full: no capacity',
    instances: [ws('a', 'open', true, false, 100), ws('b', 'open', false, false, 0)],
    expected: 'reject:no-capacity',
  },
  {
    name: 'an incapable instance open while a capable one starts: no capacity, not unsupported',
    instances: [ws('a', 'open', true, false, 0), ws('b', 'open', false, false, 0)],
    expected: 'reject:no-capacity',
  },
  {
    name: 'a capable instance with room whose channels are all taken: wait for the replacement',
    instances: [ws('a', 'open', true, false, 20, true)],
    expected: 'wait',
  },
  {
    name: 'a starting instance only: no capacity',
    instances: [ws('a', 'starting', false, false, 0)],
    expected: 'reject:no-capacity',
  },
  { name: 'closing wins', instances: [ws('a', 'open', true, true, 0)], closing: true, expected: 'reject:closing' },
]

for (const row of webSocketCases) {
  test(`pickWebSocketInstance: ${row.name}`, () => {
    const result = pickWebSocketInstance(row.instances, row.closing ?? false)
    const summary =
      result.kind === 'instance'
        ? `instance:${result.instance.name}`
        : result.kind === 'wait'
          ? 'wait'
          : `reject:${result.reason}`
    assert.equal(summary, row.expected)
  })
}
