// Validation of the local Lambda configuration: defaults filled in, every problem reported at once.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { ConfigError, defaultText, type Setting } from '../../../src/common/index.js'
import {
  durationRuleFor,
  LOCAL_FUNCTION_DEFAULTS,
  LOCAL_FUNCTION_SETTINGS,
  LOCAL_LAMBDA_SETTINGS,
  type MillisecondField,
  resolveLocalLambdaConfig,
} from '../../../src/local/config.js'

test('a minimal function gets every default and the account limit', () => {
  const resolved = resolveLocalLambdaConfig({ functions: { app: { runtimeCommand: ['node', 'app.js'] } } }, '/srv')
  const app = resolved.functions.get('app')
  assert.equal(app?.cwd, '/srv')
  assert.equal(app?.timeoutMs, LOCAL_FUNCTION_DEFAULTS.timeoutMs)
  assert.equal(app?.initTimeoutMs, 10_000)
  assert.equal(app?.concurrencyLimit, 1000)
  assert.equal(app?.hasReservedConcurrency, false)
  assert.deepEqual(app?.extensionCommands, [])
  assert.equal(resolved.region, 'us-east-1')
  assert.equal(resolved.accountId, '123456789012')
  assert.equal(resolved.host, '127.0.0.1')
  assert.equal(resolved.port, 0)
})

test('reservedConcurrency becomes the limit and marks it reserved; 0 is allowed', () => {
  const resolved = resolveLocalLambdaConfig(
    {
      functions: {
        a: { runtimeCommand: ['x'], reservedConcurrency: 3 },
        b: { runtimeCommand: ['x'], reservedConcurrency: 0 },
      },
    },
    '/',
  )
  assert.equal(resolved.functions.get('a')?.concurrencyLimit, 3)
  assert.equal(resolved.functions.get('a')?.hasReservedConcurrency, true)
  assert.equal(resolved.functions.get('b')?.concurrencyLimit, 0)
})

test('every invalid setting is reported in one ConfigError', () => {
  assert.throws(
    () =>
      resolveLocalLambdaConfig(
        {
          functions: {
            'bad.name': { runtimeCommand: [] },
            ok: {
              runtimeCommand: ['x'],
              timeoutMs: 0,
              memoryMb: 64,
              reservedConcurrency: 5000,
              env: { AWS_LAMBDA_RUNTIME_API: 'x' },
              portVariables: ['AWS_REGION', 'not-a-name'],
              extensionCommands: [[]],
            },
          },
          accountId: '42',
          region: 'moon',
          port: 70_000,
        },
        '/',
      ),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.deepEqual(error.problems, [
        'functions.bad.name: a function name is 1-64 of A-Z a-z 0-9 - _',
        'functions.bad.name.runtimeCommand must be a non-empty argv array of strings',
        'functions.ok.extensionCommands[0] must be a non-empty argv array',
        'functions.ok.env.AWS_LAMBDA_RUNTIME_API is reserved by Lambda and cannot be set',
        'functions.ok.portVariables: "AWS_REGION" is not a settable variable name',
        'functions.ok.portVariables: "not-a-name" is not a settable variable name',
        'functions.ok.reservedConcurrency must be an integer 0–1000, got 5000',
        'functions.ok.timeoutMs must be an integer 1–900000, got 0',
        'functions.ok.memoryMb must be an integer 128–10240, got 64',
        'port must be an integer 0–65535, got 70000',
        'accountId must be 12 digits, got "42"',
        'region must look like us-east-1, got "moon"',
      ])
      return true
    },
  )
})

// Issue 15: each row says what it means, so help derived from it (the duration flags of `local`) has words.
test('every setting of a function and of the service has a description', () => {
  const undescribed = [...LOCAL_FUNCTION_SETTINGS, ...LOCAL_LAMBDA_SETTINGS].filter((row) => row.description === '')
  assert.deepEqual(
    undescribed.map((row) => row.field),
    [],
  )
})

const durationRules: {
  field: MillisecondField
  text: string
  expected: ReturnType<ReturnType<typeof durationRuleFor>>
}[] = [
  { field: 'timeoutMs', text: '15m', expected: { value: 900_000 } },
  {
    field: 'timeoutMs',
    text: '16m',
    expected: { problem: 'must be a duration 1ms–15m like 250ms, 30s, 2m or 00:02:00' },
  },
  { field: 'coldStartDelayMs', text: '0', expected: { value: 0 } },
  {
    field: 'initTimeoutMs',
    text: '0',
    expected: { problem: 'must be a duration 1ms–2147483647ms like 250ms, 30s, 2m or 00:02:00' },
  },
]
for (const row of durationRules) {
  test(`the duration rule of ${row.field} reads ${JSON.stringify(row.text)} within the row's bounds`, () => {
    assert.deepEqual(durationRuleFor(row.field)(row.text), row.expected)
  })
}

// Issue 15: the defaults are written once, in the settings rows; docs/local.md shows the same ones.
test('docs/local.md lists every setting with the default its row holds', () => {
  const docs = readFileSync(resolve(import.meta.dirname, '../../../docs/local.md'), 'utf8').split('\n')
  const check = <C>(row: Setting<C>): void => {
    const line = docs.find((candidate) => candidate.startsWith('| ') && candidate.includes(`\`${String(row.field)}\``))
    assert.ok(line, `docs/local.md has no row for ${String(row.field)}`)
    const text = defaultText(row)
    assert.ok(line.includes(`\`${text}\``) || line.includes(`\`'${text}'\``), `${String(row.field)} default ${text}`)
  }
  LOCAL_FUNCTION_SETTINGS.forEach(check)
  LOCAL_LAMBDA_SETTINGS.forEach(check)
})

test('a value of the wrong kind is refused with the rule of its setting', () => {
  assert.throws(
    () =>
      resolveLocalLambdaConfig(
        {
          functions: { app: { runtimeCommand: ['x'], timeoutMs: 1.5, freezeWhenIdle: 'yes' as unknown as boolean } },
          childOutput: 'loud' as unknown as 'log',
        },
        '/',
      ),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError)
      assert.deepEqual(error.problems, [
        'functions.app.timeoutMs must be an integer 1–900000, got 1.5',
        'functions.app.freezeWhenIdle must be true or false, got "yes"',
        'childOutput must be one of log, inherit, ignore, print, got "loud"',
      ])
      return true
    },
  )
})
