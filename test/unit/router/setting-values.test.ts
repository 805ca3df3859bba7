// The value rules of the router's own settings (issue 15 item 4): function references as the original's
// LambdaArnParser took them, host lists, env var names and URLs. Table tests: each accepted text with the value it
// reads as, each refused text with the problem that names the accepted form.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Parsed } from '../../../src/common/index.js'
import {
  isValidFunctionReference,
  parseEnvVarName,
  parseFunctionList,
  parseFunctionReference,
  parseHostList,
  parseHttpUrl,
} from '../../../src/router/setting-values.js'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:my-fn'
const LONGEST_NAME = 'n'.repeat(64)

const references: ReadonlyArray<readonly [string, boolean]> = [
  ['my-fn', true],
  ['My_Function-2', true],
  [LONGEST_NAME, true],
  [`${LONGEST_NAME}n`, false],
  ['my-fn:live', true],
  ['my-fn:$LATEST', true],
  [`my-fn:${'q'.repeat(128)}`, true],
  [`my-fn:${'q'.repeat(129)}`, false],
  ['my-fn:', false],
  [ARN, true],
  [`${ARN}:live`, true],
  [`${ARN}:$LATEST`, true],
  ['arn:aws-cn:lambda:cn-north-1:123456789012:function:my-fn', false],
  ['arn:aws:lambda:us-east-1:12345:function:my-fn', false],
  ['arn:aws:lambda:us-east-1:123456789012:layer:my-fn', false],
  ['my fn', false],
  ['my.fn', false],
  ['', false],
]

for (const [text, valid] of references) {
  test(`the function reference "${text.slice(0, 50)}" is ${valid ? 'accepted' : 'refused'}`, () => {
    assert.equal(isValidFunctionReference(text), valid)
  })
}

const FUNCTION_FORM =
  'must be a function name, name:qualifier or ARN (arn:aws:lambda:<region>:<account>:function:<name>)'
const LIST_FORM = 'must be a comma-separated list of function names, name:qualifier or ARNs; not valid:'
const HOST_FORM = 'must be a comma-separated list of host names; not valid:'

const parsed: ReadonlyArray<{
  readonly name: string
  readonly parse: (text: string) => Parsed<unknown>
  readonly text: string
  readonly expected: Parsed<unknown>
}> = [
  {
    name: 'FunctionName is trimmed',
    parse: parseFunctionReference,
    text: '  my-fn:live ',
    expected: { value: 'my-fn:live' },
  },
  {
    name: 'FunctionName refuses a bad name',
    parse: parseFunctionReference,
    text: 'my fn',
    expected: { problem: FUNCTION_FORM },
  },
  { name: 'AllowedLambdaNames empty is no names', parse: parseFunctionList, text: '', expected: { value: [] } },
  {
    name: 'AllowedLambdaNames trims, skips empty entries and keeps the first of each name in order',
    parse: parseFunctionList,
    text: ' b , a,,b:live, a ',
    expected: { value: ['b', 'a', 'b:live'] },
  },
  {
    name: 'AllowedLambdaNames names every invalid entry',
    parse: parseFunctionList,
    text: 'good, bad one, worse.fn',
    expected: { problem: `${LIST_FORM} bad one, worse.fn` },
  },
  {
    name: "AllowedLambdaNames refuses the default pool's id",
    parse: parseFunctionList,
    text: 'a,default',
    expected: { problem: `${LIST_FORM} default` },
  },
  {
    name: 'AdminAllowedHosts lower-cases, trims and de-duplicates',
    parse: parseHostList,
    text: 'Admin.Example.COM, localhost ,admin.example.com',
    expected: { value: ['admin.example.com', 'localhost'] },
  },
  {
    name: 'AdminAllowedHosts refuses a host with a port, an underscore or a leading dash',
    parse: parseHostList,
    text: 'ok.example, host:8080, bad_host, -dash',
    expected: { problem: `${HOST_FORM} host:8080, bad_host, -dash` },
  },
  {
    name: 'AdminAllowedHosts refuses a label longer than 63 characters',
    parse: parseHostList,
    text: `${'a'.repeat(64)}.example`,
    expected: { problem: `${HOST_FORM} ${'a'.repeat(64)}.example` },
  },
  { name: 'EnvVarForCallbackIp may be empty', parse: parseEnvVarName, text: '  ', expected: { value: '' } },
  {
    name: 'EnvVarForCallbackIp takes a name',
    parse: parseEnvVarName,
    text: ' _POD_IP2 ',
    expected: { value: '_POD_IP2' },
  },
  {
    name: 'EnvVarForCallbackIp refuses a name starting with a digit',
    parse: parseEnvVarName,
    text: '2IP',
    expected: { problem: 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' },
  },
  { name: 'LambdaEndpoint empty is unset', parse: parseHttpUrl, text: ' ', expected: { value: undefined } },
  {
    name: 'LambdaEndpoint takes an http URL',
    parse: parseHttpUrl,
    text: ' http://127.0.0.1:3001 ',
    expected: { value: 'http://127.0.0.1:3001' },
  },
  {
    name: 'LambdaEndpoint takes an https URL',
    parse: parseHttpUrl,
    text: 'https://lambda.us-east-1.amazonaws.com',
    expected: { value: 'https://lambda.us-east-1.amazonaws.com' },
  },
  {
    name: 'LambdaEndpoint refuses another scheme',
    parse: parseHttpUrl,
    text: 'ftp://example.com',
    expected: { problem: 'must be an http:// or https:// URL' },
  },
  {
    name: 'LambdaEndpoint refuses a host and port without a scheme',
    parse: parseHttpUrl,
    text: 'localhost:3001',
    expected: { problem: 'must be an http:// or https:// URL' },
  },
  {
    name: 'LambdaEndpoint refuses text that is no URL',
    parse: parseHttpUrl,
    text: 'http//no-colon',
    expected: { problem: 'must be an http:// or https:// URL' },
  },
]

for (const row of parsed) {
  test(row.name, () => assert.deepEqual(row.parse(row.text), row.expected))
}

test('parsed lists are frozen', () => {
  for (const result of [parseFunctionList('a,b'), parseHostList('a.example')]) {
    assert.ok('value' in result)
    assert.equal(Object.isFrozen(result.value), true)
  }
})
