// The scripted keep-alive app of the keep-alive race: its request parser (table), and that it answers, announces or
// not, and closes a reused connection exactly when its idle time ran out, recording every step.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseRequest, startKeepAliveApp } from '../../helpers/keep-alive-app.js'
import { RawHttp1Connection } from '../../helpers/raw-http1-connection.js'
import { teardown } from '../../helpers/teardown.js'

const cases: { name: string; text: string; expected: { method: string; target: string; body: string } | undefined }[] =
  [
    {
      name: 'a GET without a body',
      text: 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
      expected: { method: 'GET', target: '/a', body: '' },
    },
    {
      name: 'a POST with Content-Length',
      text: 'POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
      expected: { method: 'POST', target: '/b', body: 'hello' },
    },
    {
      name: 'a chunked POST',
      text: 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
      expected: { method: 'POST', target: '/c', body: 'abcde' },
    },
    { name: 'a head cut short', text: 'GET /a HTTP/1.1\r\nHost: x\r\n', expected: undefined },
    { name: 'a body cut short', text: 'POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel', expected: undefined },
    {
      name: 'a chunked body without its last chunk',
      text: 'POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
      expected: undefined,
    },
  ]

for (const row of cases) {
  test(`parseRequest: ${row.name}`, () => {
    const request = parseRequest(Buffer.from(row.text, 'latin1'))
    assert.deepEqual(
      request && { method: request.method, target: request.target, body: request.body.toString('latin1') },
      row.expected,
    )
    if (request) assert.equal(request.length, Buffer.byteLength(row.text))
  })
}

test('a silent app answers on a kept connection, then closes it unanswered when reused after its idle time', async (t) => {
  const defer = teardown(t)
  const app = await startKeepAliveApp({ idleMs: 20, announce: false })
  defer(() => app.close())
  const connection = await RawHttp1Connection.connect(app.port)
  defer(() => connection.destroy())
  connection.send('POST /one HTTP/1.1\r\nHost: app\r\nContent-Length: 3\r\n\r\nabc')
  const first = await connection.nextResponse()
  assert.equal(first.status, 200)
  assert.equal(first.body.toString(), 'abc')
  assert.equal(
    first.headers.find(([name]) => name === 'keep-alive'),
    undefined,
  )
  connection.send('GET /two HTTP/1.1\r\nHost: app\r\n\r\n')
  assert.equal((await connection.nextResponse()).body.toString(), 'pong')
  await app.records.next((record) => record.kind === 'idle-expired')
  connection.send('GET /three HTTP/1.1\r\nHost: app\r\n\r\n')
  await connection.closed
  assert.deepEqual(app.records.records, [
    { kind: 'answered', connection: 0, index: 0, method: 'POST', target: '/one' },
    { kind: 'answered', connection: 0, index: 1, method: 'GET', target: '/two' },
    { kind: 'idle-expired', connection: 0 },
    { kind: 'closed-on-reuse', connection: 0, method: 'GET', target: '/three' },
  ])
})

test('an app with no idle time announces Keep-Alive: timeout=0 and closes any reuse', async (t) => {
  const defer = teardown(t)
  const app = await startKeepAliveApp({ idleMs: 0, announce: true })
  defer(() => app.close())
  const connection = await RawHttp1Connection.connect(app.port)
  defer(() => connection.destroy())
  connection.send('GET /one HTTP/1.1\r\nHost: app\r\n\r\n')
  const first = await connection.nextResponse()
  assert.deepEqual(
    first.headers.find(([name]) => name === 'keep-alive'),
    ['keep-alive', 'timeout=0'],
  )
  connection.send('GET /two HTTP/1.1\r\nHost: app\r\n\r\n')
  await connection.closed
  assert.deepEqual(
    app.records.records.map((record) => record.kind),
    ['answered', 'closed-on-reuse'],
  )
})
