// The wire contract's names and numbers, checked against original-protocol.md: the default ports (§3.1), the
// control-channel routes (§3.4), the channel POST headers (§3.5) and the goaway pseudo-request (§4.1).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CONTROL_PATH_PREFIX,
  channelPath,
  closePath,
  DEFAULT_CONTROL_H2C_PORT,
  DEFAULT_CONTROL_TLS_PORT,
  DEFAULT_FRONT_DOOR_HTTP_PORT,
  DEFAULT_FRONT_DOOR_HTTPS_PORT,
  DEFAULT_POOL_ID,
  GOAWAY_PATH,
  HEADER_CHANNEL_ID,
  HEADER_LAMBDA_ID,
  HEADER_POOL_ID,
  pingPath,
  RESERVED_PATH_PREFIX,
  serializeGoaway,
  TUNNEL_CONTENT_TYPE,
} from '../../../src/protocol/index.js'

const LAMBDA_ID = '0f8e8b8a-3c1e-4a77-9d0e-5c3f0d6e9b21'
const CHANNEL_ID = '7a0ebe6c-535a-408f-b069-f82b4e065c77'

test('the default ports are the original router: front door 5001 and 5002, control channel 5003 (h2c) and 5004 (TLS)', () => {
  assert.deepEqual(
    {
      frontDoorHttp: DEFAULT_FRONT_DOOR_HTTP_PORT,
      frontDoorHttps: DEFAULT_FRONT_DOOR_HTTPS_PORT,
      controlH2c: DEFAULT_CONTROL_H2C_PORT,
      controlTls: DEFAULT_CONTROL_TLS_PORT,
    },
    { frontDoorHttp: 5001, frontDoorHttps: 5002, controlH2c: 5003, controlTls: 5004 },
  )
})

test('the control paths are the routes the original router serves and the Rust extension calls', () => {
  assert.equal(CONTROL_PATH_PREFIX, '/api/chunked')
  assert.equal(channelPath(LAMBDA_ID, CHANNEL_ID), `/api/chunked/request/${LAMBDA_ID}/${CHANNEL_ID}`)
  assert.equal(pingPath(LAMBDA_ID), `/api/chunked/ping/${LAMBDA_ID}`)
  assert.equal(closePath(LAMBDA_ID), `/api/chunked/close/${LAMBDA_ID}`)
})

test('a channel POST carries lower-case x-pool-id, x-lambda-id and x-channel-id and is answered as octet-stream', () => {
  assert.deepEqual([HEADER_POOL_ID, HEADER_LAMBDA_ID, HEADER_CHANNEL_ID], ['x-pool-id', 'x-lambda-id', 'x-channel-id'])
  assert.equal(TUNNEL_CONTENT_TYPE, 'application/octet-stream')
  assert.equal(DEFAULT_POOL_ID, 'default')
})

test('the goaway target is /_lambda_dispatch/goaway, under the reserved prefix, written exactly as the original does', () => {
  assert.equal(GOAWAY_PATH, '/_lambda_dispatch/goaway')
  assert.equal(RESERVED_PATH_PREFIX, '/_lambda_dispatch/')
  assert.ok(GOAWAY_PATH.startsWith(RESERVED_PATH_PREFIX))
  assert.equal(
    serializeGoaway(LAMBDA_ID, CHANNEL_ID).toString('latin1'),
    `GET /_lambda_dispatch/goaway HTTP/1.1\r\nX-Lambda-Id: ${LAMBDA_ID}\r\nX-Channel-Id: ${CHANNEL_ID}\r\n\r\n`,
  )
})
