// What a channel does when its stream closed before the router's response HEADERS: POST again on the same session,
// stop, or move to a new session.
import assert from 'node:assert/strict'
import { constants } from 'node:http2'
import { test } from 'node:test'
import {
  decideUnansweredClose,
  MAX_RESETS_BEFORE_HEADERS_IN_A_ROW,
  type UnansweredCloseAction,
} from '../../../src/extension/channel-loop.js'

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_PROTOCOL_ERROR } =
  constants

const CASES: ReadonlyArray<{
  name: string
  rstCode: number
  sessionUsable: boolean
  resetsInARow: number
  action: UnansweredCloseAction
}> = [
  {
    name: 'a CANCEL on a healthy session',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'reopen',
  },
  {
    name: 'an INTERNAL_ERROR on a healthy session',
    rstCode: NGHTTP2_INTERNAL_ERROR,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'reopen',
  },
  {
    name: 'the last reset still allowed in a row',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: true,
    resetsInARow: MAX_RESETS_BEFORE_HEADERS_IN_A_ROW - 1,
    action: 'reopen',
  },
  {
    name: 'one reset too many in a row',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: true,
    resetsInARow: MAX_RESETS_BEFORE_HEADERS_IN_A_ROW,
    action: 'replace-session',
  },
  {
    name: 'REFUSED_STREAM on a healthy session',
    rstCode: NGHTTP2_REFUSED_STREAM,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'stop',
  },
  {
    name: 'no reset code on a healthy session',
    rstCode: NGHTTP2_NO_ERROR,
    sessionUsable: true,
    resetsInARow: 1,
    action: 'replace-session',
  },
  {
    name: 'a CANCEL on a session that is gone',
    rstCode: NGHTTP2_CANCEL,
    sessionUsable: false,
    resetsInARow: 1,
    action: 'replace-session',
  },
  {
    name: 'REFUSED_STREAM after a GOAWAY',
    rstCode: NGHTTP2_REFUSED_STREAM,
    sessionUsable: false,
    resetsInARow: 1,
    action: 'replace-session',
  },
  {
    name: 'a stream ended by the PING check after a protocol error',
    rstCode: NGHTTP2_PROTOCOL_ERROR,
    sessionUsable: false,
    resetsInARow: 1,
    action: 'replace-session',
  },
]

for (const row of CASES) {
  test(`${row.name}: ${row.action}`, () => {
    const { rstCode, sessionUsable, resetsInARow } = row
    assert.equal(decideUnansweredClose({ rstCode, sessionUsable, resetsInARow }), row.action)
  })
}
