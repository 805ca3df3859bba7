// The Prometheus subscriber (issue 15 item 1): each typed event, published on a fresh RouterEvents, moves exactly the
// metric it stands for on a fresh prom-client Registry, read back through the text exposition. Table test, one row
// per event (and per branch of an event), plus pool separation.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { HeadTimeoutError, TunnelOrderingError } from '../../../../src/router/errors.js'
import { RouterEvents } from '../../../../src/router/events.js'
import { createMetricFamilies } from '../../../../src/router/telemetry/metric-families.js'
import { subscribePrometheus } from '../../../../src/router/telemetry/prometheus.js'
import { type PrometheusScrape, parsePrometheusText } from '../../../helpers/prometheus-text.js'

const P = 'lambda_dispatch_router_'

function subscribed() {
  const registry = new Registry()
  const events = new RouterEvents()
  subscribePrometheus(events, createMetricFamilies(registry))
  return {
    events,
    scrape: async (): Promise<PrometheusScrape> => parsePrometheusText(await registry.metrics()),
  }
}

type Sample = readonly [name: string, labels: Record<string, string>, value: number]

const cases: ReadonlyArray<{ name: string; publish: (events: RouterEvents) => void; samples: readonly Sample[] }> = [
  {
    name: 'a queued request counts as queued',
    publish: (events) => {
      events.requestQueued.publish({ poolId: 'p', requestId: 'r1', queueLength: 1 })
      events.requestQueued.publish({ poolId: 'p', requestId: 'r2', queueLength: 2 })
    },
    samples: [[`${P}requests_queued_total`, { pool: 'p' }, 2]],
  },
  {
    name: 'a retried request counts as retried',
    publish: (events) =>
      events.requestRetried.publish({ poolId: 'p', requestId: 'r', lambdaId: 'L', channelId: 'C', attempt: 1 }),
    samples: [[`${P}requests_retried_total`, { pool: 'p' }, 1]],
  },
  {
    name: 'a dispatch after a wait observes the wait in seconds; one that never waited observes nothing',
    publish: (events) => {
      events.requestDispatched.publish({ poolId: 'p', requestId: 'r1', lambdaId: 'L', channelId: 'C', queuedMs: 250 })
      events.requestDispatched.publish({
        poolId: 'p',
        requestId: 'r2',
        lambdaId: 'L',
        channelId: 'C',
        queuedMs: undefined,
      })
    },
    samples: [
      [`${P}queue_wait_seconds_count`, { pool: 'p' }, 1],
      [`${P}queue_wait_seconds_sum`, { pool: 'p' }, 0.25],
    ],
  },
  {
    name: 'a completed request counts by status class and observes its duration',
    publish: (events) =>
      events.requestEnded.publish({ poolId: 'p', requestId: 'r', kind: 'completed', status: 201, durationMs: 1500 }),
    samples: [
      [`${P}requests_total`, { pool: 'p', outcome: '2xx' }, 1],
      [`${P}request_duration_seconds_count`, { pool: 'p' }, 1],
      [`${P}request_duration_seconds_sum`, { pool: 'p' }, 1.5],
    ],
  },
  {
    name: 'a timed-out request counts by its phase and observes no duration',
    publish: (events) =>
      events.requestEnded.publish({
        poolId: 'p',
        requestId: 'r',
        kind: 'timed-out',
        phase: 'head',
        error: new HeadTimeoutError('L', 'C', 100),
      }),
    samples: [
      [`${P}requests_total`, { pool: 'p', outcome: 'head_timeout' }, 1],
      [`${P}request_duration_seconds_count`, { pool: 'p' }, 0],
    ],
  },
  {
    name: 'a request refused for a full queue counts as queue_full',
    publish: (events) =>
      events.requestEnded.publish({ poolId: 'p', requestId: 'r', kind: 'rejected', reason: 'queue-full' }),
    samples: [[`${P}requests_total`, { pool: 'p', outcome: 'queue_full' }, 1]],
  },
  {
    name: "an exchange's body bytes count in and out; a direction with no bytes is not touched",
    publish: (events) => {
      events.exchangeBytes.publish({ poolId: 'p', requestBodyBytes: 100, responseBodyBytes: 0 })
      events.exchangeBytes.publish({ poolId: 'p', requestBodyBytes: 20, responseBodyBytes: 7 })
    },
    samples: [
      [`${P}request_body_bytes_total`, { pool: 'p' }, 120],
      [`${P}response_body_bytes_total`, { pool: 'p' }, 7],
    ],
  },
  {
    name: 'channels count as opened, and as closed by reason',
    publish: (events) => {
      events.channelOpened.publish({ poolId: 'p', lambdaId: 'L', channelId: 'C1' })
      events.channelOpened.publish({ poolId: 'p', lambdaId: 'L', channelId: 'C2' })
      events.channelClosed.publish({ poolId: 'p', lambdaId: 'L', channelId: 'C1', reason: 'goaway' })
      events.channelClosed.publish({ poolId: 'p', lambdaId: 'L', channelId: 'C2', reason: 'used' })
      events.channelClosed.publish({ poolId: 'p', lambdaId: 'L', channelId: 'C3', reason: 'used' })
    },
    samples: [
      [`${P}channels_opened_total`, { pool: 'p' }, 2],
      [`${P}channels_closed_total`, { pool: 'p', reason: 'goaway' }, 1],
      [`${P}channels_closed_total`, { pool: 'p', reason: 'used' }, 2],
    ],
  },
  {
    name: 'every refused control request counts, not only the first one logged',
    publish: (events) => {
      events.controlAuthRefused.publish({ poolId: 'p', lambdaId: 'L', route: 'ping', reason: 'wrong', first: true })
      events.controlAuthRefused.publish({ poolId: 'p', lambdaId: 'L', route: 'ping', reason: 'wrong', first: false })
    },
    samples: [[`${P}control_auth_refusals_total`, { route: 'ping', reason: 'wrong' }, 2]],
  },
  {
    name: 'a channel over the instance cap counts as refused over_cap',
    publish: (events) =>
      events.channelRefusedOverCap.publish({ poolId: 'p', lambdaId: 'L', channelId: 'C9', maxChannels: 8 }),
    samples: [[`${P}channels_refused_total`, { pool: 'p', reason: 'over_cap' }, 1]],
  },
  {
    name: 'transitions count by the state entered; only starting → open observes the connect time',
    publish: (events) => {
      events.instanceStateChanged.publish({ poolId: 'p', lambdaId: 'L', from: 'starting', to: 'open', ageMs: 800 })
      events.instanceStateChanged.publish({ poolId: 'p', lambdaId: 'L', from: 'open', to: 'draining', ageMs: 900 })
    },
    samples: [
      [`${P}instance_transitions_total`, { pool: 'p', to: 'open' }, 1],
      [`${P}instance_transitions_total`, { pool: 'p', to: 'draining' }, 1],
      [`${P}instance_connect_seconds_count`, { pool: 'p' }, 1],
      [`${P}instance_connect_seconds_sum`, { pool: 'p' }, 0.8],
    ],
  },
  {
    name: 'a start timeout counts',
    publish: (events) => events.instanceStartTimedOut.publish({ poolId: 'p', lambdaId: 'L', waitedMs: 30_000 }),
    samples: [[`${P}instance_start_timeouts_total`, { pool: 'p' }, 1]],
  },
  {
    name: 'invokes sent count by kind',
    publish: (events) => {
      events.invokeStarted.publish({ poolId: 'p', lambdaId: 'L1', kind: 'instance' })
      events.invokeStarted.publish({ poolId: 'p', lambdaId: 'L1-initonly', kind: 'pre_warm' })
    },
    samples: [
      [`${P}invokes_started_total`, { pool: 'p', kind: 'instance' }, 1],
      [`${P}invokes_started_total`, { pool: 'p', kind: 'pre_warm' }, 1],
    ],
  },
  {
    name: 'starts the invoke gate refused count by reason',
    publish: (events) => events.invokeRefused.publish({ poolId: 'p', reason: 'rate-limit', retryInMs: 200 }),
    samples: [[`${P}invoke_refusals_total`, { pool: 'p', reason: 'rate-limit' }, 1]],
  },
  {
    name: 'returned invokes count by result, and by exit reason when one was reported',
    publish: (events) => {
      events.invokeReturned.publish({
        poolId: 'p',
        lambdaId: 'L1',
        result: 'completed',
        durationMs: 10,
        exitReason: 'SelfDeadline',
      })
      events.invokeReturned.publish({ poolId: 'p', lambdaId: 'L2', result: 'failed', durationMs: 10 })
    },
    samples: [
      [`${P}invokes_total`, { pool: 'p', result: 'completed' }, 1],
      [`${P}invokes_total`, { pool: 'p', result: 'failed' }, 1],
      [`${P}invoke_exit_reasons_total`, { pool: 'p', reason: 'SelfDeadline' }, 1],
    ],
  },
  {
    name: 'a refused write before HEADERS counts as an ordering violation',
    publish: (events) =>
      events.tunnelOrderingViolated.publish({ poolId: 'p', error: new TunnelOrderingError('L', 'C') }),
    samples: [[`${P}tunnel_ordering_violations_total`, { pool: 'p' }, 1]],
  },
  {
    name: 'control answers count by route and status',
    publish: (events) => events.controlResponded.publish({ route: 'close', status: 409, detail: {} }),
    samples: [[`${P}control_responses_total`, { route: 'close', status: '409' }, 1]],
  },
  {
    name: 'control-channel HTTP/2 trouble counts by kind',
    publish: (events) => events.http2Error.publish({ kind: 'frame_error', detail: {} }),
    samples: [[`${P}http2_errors_total`, { kind: 'frame_error' }, 1]],
  },
  {
    name: 'front-door refusals count by status and code',
    publish: (events) => events.frontDoorRefused.publish({ status: 403, code: 'LD_LAMBDA_NAME_NOT_ALLOWED' }),
    samples: [[`${P}front_door_refusals_total`, { status: '403', code: 'LD_LAMBDA_NAME_NOT_ALLOWED' }, 1]],
  },
  {
    name: 'dropped client connections count by reason',
    publish: (events) => events.connectionDropped.publish({ reason: 'preface-timeout' }),
    samples: [[`${P}connections_dropped_total`, { reason: 'preface-timeout' }, 1]],
  },
]

for (const row of cases) {
  test(row.name, async () => {
    const subject = subscribed()
    row.publish(subject.events)
    const scrape = await subject.scrape()
    assert.deepEqual(
      row.samples.map(([name, labels]) => [name, labels, scrape.value(name, labels)]),
      row.samples,
    )
  })
}

test("each pool's requests are labelled with its own pool", async () => {
  const subject = subscribed()
  for (const poolId of ['a', 'b', 'b']) {
    subject.events.requestEnded.publish({ poolId, requestId: 'r', kind: 'completed', status: 500, durationMs: 1 })
  }
  const scrape = await subject.scrape()
  assert.deepEqual(
    scrape.all(`${P}requests_total`).map(({ labels, value }) => [labels.pool, labels.outcome, value]),
    [
      ['a', '5xx', 1],
      ['b', '5xx', 2],
    ],
  )
})
