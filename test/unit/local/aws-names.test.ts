// Table tests for AWS identifier parsing and building.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { functionArn, logStreamName, newTraceId, parseFunctionName } from '../../../src/local/aws-names.js'

const cases: { name: string; raw: string; query?: string; expected: ReturnType<typeof parseFunctionName> }[] = [
  { name: 'a plain name', raw: 'my-fn_1', expected: { name: 'my-fn_1', qualifier: undefined } },
  { name: 'a name with a qualifier', raw: 'fn:live', expected: { name: 'fn', qualifier: 'live' } },
  { name: 'a name with $LATEST', raw: 'fn:$LATEST', expected: { name: 'fn', qualifier: '$LATEST' } },
  { name: 'a partial ARN', raw: '123456789012:function:fn', expected: { name: 'fn', qualifier: undefined } },
  {
    name: 'a full ARN with a qualifier',
    raw: 'arn:aws:lambda:eu-west-1:123456789012:function:fn:7',
    expected: { name: 'fn', qualifier: '7' },
  },
  { name: 'the qualifier from the query', raw: 'fn', query: 'prod', expected: { name: 'fn', qualifier: 'prod' } },
  { name: 'the same qualifier twice', raw: 'fn:prod', query: 'prod', expected: { name: 'fn', qualifier: 'prod' } },
  { name: 'two different qualifiers', raw: 'fn:prod', query: 'dev', expected: undefined },
  { name: 'an ARN of another service', raw: 'arn:aws:s3:::bucket', expected: undefined },
  { name: 'a bad account id', raw: 'arn:aws:lambda:us-east-1:12:function:fn', expected: undefined },
  { name: 'a name with a dot', raw: 'my.fn', expected: undefined },
  { name: 'a name of 65 characters', raw: 'a'.repeat(65), expected: undefined },
  { name: 'too many parts', raw: 'fn:a:b', expected: undefined },
  { name: 'empty', raw: '', expected: undefined },
]

for (const row of cases) {
  test(`parseFunctionName: ${row.name}`, () => {
    assert.deepEqual(parseFunctionName(row.raw, row.query), row.expected)
  })
}

test('functionArn builds the ARN with and without a qualifier', () => {
  assert.equal(functionArn('us-east-1', '123456789012', 'fn'), 'arn:aws:lambda:us-east-1:123456789012:function:fn')
  assert.equal(
    functionArn('us-east-1', '123456789012', 'fn', 'live'),
    'arn:aws:lambda:us-east-1:123456789012:function:fn:live',
  )
})

test('newTraceId puts the epoch seconds in hex into the root', () => {
  const id = newTraceId(0x5f35ae12 * 1000 + 999, '0c0fec141ab77a00bc047aa2', '2be948a625588e32')
  assert.equal(id, 'Root=1-5f35ae12-0c0fec141ab77a00bc047aa2;Parent=2be948a625588e32;Sampled=0')
})

test('logStreamName is the UTC date, then [$LATEST] and the hex id', () => {
  assert.equal(logStreamName(Date.UTC(2025, 0, 9, 23, 59), 'ab'.repeat(16)), `2025/01/09/[$LATEST]${'ab'.repeat(16)}`)
})
