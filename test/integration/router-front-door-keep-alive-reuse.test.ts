// A client on an HTTP/1.1 keep-alive connection reuses it as soon as a response is complete on the wire: all of its
// Content-Length bytes, or the head alone for HEAD, 204 and 304. An upstream failure that arrives after that point
// used to abort the response by destroying the connection, and a request the client had already sent on it was lost
// (`read ECONNRESET` or "other side closed" on a real client). The front door now ends such a response. These tests
// drive that order deterministically: the client's next request reaches the router before the upstream failure.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { UpstreamClosedError } from '../../src/router/errors.js'
import { RawHttp1Connection } from '../helpers/raw-http1-connection.js'
import { recordingController, ScriptedDispatcher } from '../helpers/scripted-dispatcher.js'
import { startFrontDoor } from '../helpers/start-router.js'
import { teardown } from '../helpers/teardown.js'

const cases: { name: string; method: string; status: number; headers: string[]; body: string }[] = [
  { name: 'its whole Content-Length body', method: 'GET', status: 200, headers: ['Content-Length', '2'], body: 'ok' },
  { name: 'a 204 head', method: 'GET', status: 204, headers: [], body: '' },
  { name: 'the head of an answer to HEAD', method: 'HEAD', status: 200, headers: ['Content-Length', '5'], body: '' },
]

for (const row of cases) {
  test(`a request sent on a keep-alive connection after ${row.name} is answered even when the upstream then fails`, async (t) => {
    const defer = teardown(t)
    const pool = new ScriptedDispatcher(t)
    const door = await startFrontDoor({ pools: { default: pool } })
    defer(() => door.close())
    const connection = await RawHttp1Connection.connect(Number(new URL(door.httpUrl).port))
    defer(() => connection.destroy())

    connection.send(`${row.method} /first HTTP/1.1\r\nHost: a\r\n\r\n`)
    const first = await pool.nextCall()
    const upstream = recordingController()
    first.handler.onResponseStart(row.status, row.headers, upstream)
    if (row.body !== '') first.handler.onResponseData(Buffer.from(row.body))
    // Every byte the head promised went out: the dispatcher's exchange says the response is complete.
    upstream.complete = true
    const complete = await connection.nextResponse({ bodiless: row.method === 'HEAD' })
    assert.equal(complete.status, row.status)
    assert.equal(complete.body.toString(), row.body)
    assert.equal(complete.headers.find(([name]) => name === 'connection')?.[1], 'keep-alive')

    // The client reuses the connection, as it may once the response is complete; then the upstream fails.
    connection.send('GET /second HTTP/1.1\r\nHost: a\r\n\r\n')
    const second = await pool.nextCall()
    first.handler.onResponseError(new UpstreamClosedError('lambda-1', 'channel-1', true))
    second.handler.onResponseStart(200, ['Content-Length', '6'], recordingController())
    second.handler.onResponseData(Buffer.from('second'))
    second.handler.onResponseEnd()

    const next = await connection.nextResponse()
    assert.equal(next.status, 200)
    assert.equal(next.body.toString(), 'second')
  })
}
