// Pure. Decides what the next soak request is: its route, client protocol, sizes and any planned client abort, from
// a seeded random source, and what a correct answer must be (status and body). No I/O, no timers.
import { type Random, randomInt, randomLogInt } from './random.js'

export type RequestKind =
  | 'ping'
  | 'bytes'
  | 'echo'
  | 'large-echo'
  | 'large-bytes'
  | 'sse'
  | 'status'
  | 'abort-upload'
  | 'abort-download'
  | 'abort-sse'

export const REQUEST_KINDS: readonly RequestKind[] = [
  'ping',
  'bytes',
  'echo',
  'large-echo',
  'large-bytes',
  'sse',
  'status',
  'abort-upload',
  'abort-download',
  // Last, so a mix without it draws the same sequence as before it existed.
  'abort-sse',
]

/** h1: HTTP/1.1 through undici; h2c: HTTP/2 with prior knowledge through node:http2. */
export type ClientProtocol = 'h1' | 'h2c'

/** The body a correct response carries. */
export type ExpectedBody =
  | { readonly kind: 'text'; readonly text: string }
  /** The demo app's `/bytes` body: byte i is `i % 251`. */
  | { readonly kind: 'pattern'; readonly length: number }
  /** `/echo`: exactly the bytes uploaded. */
  | { readonly kind: 'echo' }

/** A client abort on purpose: after this many body bytes were sent (upload) or received (download). */
export interface PlannedAbort {
  readonly side: 'upload' | 'download'
  readonly afterBytes: number
}

export interface RequestPlan {
  readonly kind: RequestKind
  readonly protocol: ClientProtocol
  readonly method: 'GET' | 'POST'
  readonly target: string
  /** Request body size; the body is the payload block's bytes from `payloadOffset` on. 0 for GET. */
  readonly uploadBytes: number
  readonly payloadOffset: number
  /** The upload declares its length (Content-Length); otherwise HTTP/1.1 sends it chunked, HTTP/2 unannounced. */
  readonly declaresLength: boolean
  readonly expectedStatus: number
  readonly expectedBody: ExpectedBody
  readonly abort: PlannedAbort | undefined
}

/** Size bounds of each kind, in bytes. */
export interface MixSizes {
  readonly smallBytesMax: number
  readonly echoMax: number
  readonly largeMin: number
  readonly largeMax: number
  readonly abortUploadMin: number
  readonly abortUploadMax: number
  readonly abortDownloadMin: number
  readonly abortDownloadMax: number
}

/** Relative weights of each kind (any positive scale), their sizes, and the share of requests sent over h2c. */
export interface RequestMix {
  readonly weights: Readonly<Record<RequestKind, number>>
  readonly sizes: MixSizes
  readonly h2cShare: number
}

const KIB = 1024
const MIB = 1024 * KIB

/** The `mixed` profile's sizes: bodies up to 4 MiB. */
export const MIXED_SIZES: MixSizes = Object.freeze({
  smallBytesMax: 16 * KIB,
  echoMax: 256 * KIB,
  largeMin: 1 * MIB,
  largeMax: 4 * MIB,
  abortUploadMin: 64 * KIB,
  abortUploadMax: 1 * MIB,
  abortDownloadMin: 256 * KIB,
  abortDownloadMax: 2 * MIB,
})

/** The `churn` profile's sizes: every body at most 16 KiB, unless --large-percent brings the 1–4 MiB kinds back. */
export const CHURN_SIZES: MixSizes = Object.freeze({
  smallBytesMax: 16 * KIB,
  echoMax: 16 * KIB,
  largeMin: 1 * MIB,
  largeMax: 4 * MIB,
  abortUploadMin: 1 * KIB,
  abortUploadMax: 16 * KIB,
  abortDownloadMin: 1 * KIB,
  abortDownloadMax: 16 * KIB,
})

/** The payload block must hold the largest upload from any offset the chooser picks. */
export const PAYLOAD_BLOCK_BYTES = 2 * Math.max(MIXED_SIZES.largeMax, CHURN_SIZES.largeMax)

// Percent of requests. Large bodies are a few percent (they dominate the bytes moved); aborts a few percent each way.
export const MIXED_MIX: RequestMix = Object.freeze({
  weights: Object.freeze({
    ping: 35,
    bytes: 20,
    echo: 25,
    'large-echo': 1.5,
    'large-bytes': 1.5,
    sse: 6,
    status: 5,
    'abort-upload': 3,
    'abort-download': 3,
    'abort-sse': 0,
  }),
  sizes: MIXED_SIZES,
  h2cShare: 0.5,
})

// Percent of requests (the kinds other than the large ones add up to 100). Small bodies only, so a request costs
// little besides its channel stream; more aborts, on both sides of the response head: an upload cut before any
// answer, a download cut after some bytes, and an SSE stream cut between its events (the head arrived and the app is
// still writing). The large kinds have a weight only so that --large-percent can bring them back; the profile
// scales them to 0.
export const CHURN_MIX: RequestMix = Object.freeze({
  weights: Object.freeze({
    ping: 30,
    bytes: 20,
    echo: 20,
    'large-echo': 1,
    'large-bytes': 1,
    sse: 8,
    status: 7,
    'abort-upload': 5,
    'abort-download': 5,
    'abort-sse': 5,
  }),
  sizes: CHURN_SIZES,
  h2cShare: 0.5,
})

/** Statuses the `/status/{code}` requests ask for: success, empty, client and server errors of the app. */
export const APP_STATUSES = [201, 204, 404, 500, 503] as const

const STATUS_REASONS: Readonly<Record<(typeof APP_STATUSES)[number], string>> = {
  201: 'Created',
  204: 'No Content',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export const SSE_EVENTS = 3
export const SSE_INTERVAL_MS = 5

/** Picks the kind whose cumulative weight first exceeds `draw × total`; `draw` is in [0, 1). */
export function pickKind(weights: Readonly<Record<RequestKind, number>>, draw: number): RequestKind {
  const total = REQUEST_KINDS.reduce((sum, kind) => sum + Math.max(0, weights[kind]), 0)
  if (!(total > 0)) throw new Error('the request mix needs at least one positive weight')
  let threshold = draw * total
  let last: RequestKind | undefined
  for (const kind of REQUEST_KINDS) {
    const weight = Math.max(0, weights[kind])
    if (weight === 0) continue
    last = kind
    if (threshold < weight) return kind
    threshold -= weight
  }
  return last as RequestKind
}

/** The next request: a pure function of the random source's next draws and the mix. */
export function chooseRequest(random: Random, mix: RequestMix = MIXED_MIX): RequestPlan {
  const sizes = mix.sizes
  const kind = pickKind(mix.weights, random())
  const protocol: ClientProtocol = random() < mix.h2cShare ? 'h2c' : 'h1'
  const get = (target: string, expectedBody: ExpectedBody, expectedStatus = 200): RequestPlan => ({
    kind,
    protocol,
    method: 'GET',
    target,
    uploadBytes: 0,
    payloadOffset: 0,
    declaresLength: false,
    expectedStatus,
    expectedBody,
    abort: undefined,
  })
  const post = (uploadBytes: number, abort: PlannedAbort | undefined): RequestPlan => ({
    kind,
    protocol,
    method: 'POST',
    target: '/echo',
    uploadBytes,
    payloadOffset: randomInt(random, 0, PAYLOAD_BLOCK_BYTES - uploadBytes),
    declaresLength: random() < 0.5,
    expectedStatus: 200,
    expectedBody: { kind: 'echo' },
    abort,
  })
  switch (kind) {
    case 'ping':
      return get('/ping', { kind: 'text', text: 'pong' })
    case 'bytes': {
      const length = randomLogInt(random, 0, sizes.smallBytesMax)
      const chunked = random() < 0.5
      return get(bytesTarget(length, chunked), { kind: 'pattern', length })
    }
    case 'large-bytes': {
      const length = randomInt(random, sizes.largeMin, sizes.largeMax)
      return get(bytesTarget(length, random() < 0.5), { kind: 'pattern', length })
    }
    case 'echo':
      return post(randomLogInt(random, 0, sizes.echoMax), undefined)
    case 'large-echo':
      return post(randomInt(random, sizes.largeMin, sizes.largeMax), undefined)
    case 'sse':
      return get(`/sse?n=${SSE_EVENTS}&interval=${SSE_INTERVAL_MS}`, { kind: 'text', text: sseBody(SSE_EVENTS) })
    case 'status': {
      const status = APP_STATUSES[randomInt(random, 0, APP_STATUSES.length - 1)] as (typeof APP_STATUSES)[number]
      const text = status === 204 ? '' : `${status} ${STATUS_REASONS[status]}\n`
      return get(`/status/${status}`, { kind: 'text', text }, status)
    }
    case 'abort-upload': {
      const uploadBytes = randomInt(random, sizes.abortUploadMin, sizes.abortUploadMax)
      return post(uploadBytes, { side: 'upload', afterBytes: randomInt(random, 1, uploadBytes - 1) })
    }
    case 'abort-download': {
      const length = randomInt(random, sizes.abortDownloadMin, sizes.abortDownloadMax)
      return {
        ...get(bytesTarget(length, random() < 0.5), { kind: 'pattern', length }),
        abort: { side: 'download', afterBytes: randomInt(random, 1, length - 1) },
      }
    }
    case 'abort-sse': {
      // Cut after a byte of the first event: the head has arrived and the app still has events to write.
      const expected = sseBody(SSE_EVENTS)
      return {
        ...get(`/sse?n=${SSE_EVENTS}&interval=${SSE_INTERVAL_MS}`, { kind: 'text', text: expected }),
        abort: { side: 'download', afterBytes: randomInt(random, 1, sseBody(1).length) },
      }
    }
    default: {
      const unreachable: never = kind
      throw new Error(`unknown request kind ${String(unreachable)}`)
    }
  }
}

function bytesTarget(length: number, chunked: boolean): string {
  return chunked ? `/bytes?n=${length}&chunked=1` : `/bytes?n=${length}`
}

/** The demo app's `/sse` body for `events` events. */
export function sseBody(events: number): string {
  let text = ''
  for (let index = 0; index < events; index++) text += `data: ${index}\n\n`
  return text
}

/** A copy of `mix` with the large-body kinds scaled so they make up `percent` of requests together. */
export function withLargeShare(mix: RequestMix, percent: number): RequestMix {
  const large: RequestKind[] = ['large-echo', 'large-bytes']
  const total = REQUEST_KINDS.reduce((sum, kind) => sum + mix.weights[kind], 0)
  const largeTotal = large.reduce((sum, kind) => sum + mix.weights[kind], 0)
  const restTotal = total - largeTotal
  if (percent < 0 || percent >= 100 || largeTotal <= 0 || restTotal <= 0) {
    throw new Error(`the large-body share must be at least 0 and below 100 percent, got ${percent}`)
  }
  const weights = { ...mix.weights }
  // Keep the other kinds' total at (100 - percent) and split `percent` between the large kinds as before.
  for (const kind of REQUEST_KINDS) {
    weights[kind] = large.includes(kind)
      ? (mix.weights[kind] / largeTotal) * percent
      : (mix.weights[kind] / restTotal) * (100 - percent)
  }
  return { ...mix, weights }
}
