// Issue 13 item 1: the per-invoke channel token, made and judged (pure), as a table.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { judgeChannelToken, newChannelToken } from '../../../../src/router/control/channel-token.js'

const TOKEN = newChannelToken()
const OFF_BY_ONE = TOKEN.endsWith('A') ? 'B' : 'A'

const cases: ReadonlyArray<{ name: string; presented: string[]; allowMissing: boolean; expect: string }> = [
  { name: 'the right token', presented: [TOKEN], allowMissing: false, expect: 'ok' },
  { name: 'no token', presented: [], allowMissing: false, expect: 'missing' },
  { name: 'no token with AllowUnauthenticatedChannels', presented: [], allowMissing: true, expect: 'ok' },
  { name: 'a wrong token', presented: [`${TOKEN}x`], allowMissing: false, expect: 'wrong' },
  { name: 'a wrong token with AllowUnauthenticatedChannels', presented: ['nope'], allowMissing: true, expect: 'wrong' },
  { name: 'an empty token', presented: [''], allowMissing: true, expect: 'wrong' },
  { name: 'the right token twice', presented: [TOKEN, TOKEN], allowMissing: false, expect: 'wrong' },
  {
    name: 'a token one character off',
    presented: [`${TOKEN.slice(0, -1)}${OFF_BY_ONE}`],
    allowMissing: false,
    expect: 'wrong',
  },
  { name: 'a token one character short', presented: [TOKEN.slice(0, -1)], allowMissing: false, expect: 'wrong' },
  // The same number of characters, more bytes: the lengths compared are the bytes'.
  {
    name: 'a token with a multi-byte character',
    presented: [`${TOKEN.slice(0, -1)}é`],
    allowMissing: false,
    expect: 'wrong',
  },
]

for (const row of cases) {
  test(`channel token: ${row.name} is ${row.expect}`, () => {
    assert.equal(judgeChannelToken(TOKEN, row.presented, row.allowMissing), row.expect)
  })
  // The instance passes its token's bytes, made once (issue 16): the same verdict.
  test(`channel token: ${row.name} is ${row.expect} against the token's bytes too`, () => {
    assert.equal(judgeChannelToken(Buffer.from(TOKEN), row.presented, row.allowMissing), row.expect)
  })
}

test('a token is 32 random bytes in base64url, and two are never the same', () => {
  assert.match(TOKEN, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(Buffer.from(TOKEN, 'base64url').length, 32)
  assert.notEqual(newChannelToken(), TOKEN)
  const fromAllOnes = newChannelToken((size) => Buffer.alloc(size, 0xff))
  assert.deepEqual(Buffer.from(fromAllOnes, 'base64url'), Buffer.alloc(32, 0xff))
})
