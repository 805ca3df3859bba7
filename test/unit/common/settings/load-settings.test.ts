// Reading a settings table (issue 15): flags win over env, aliases are read in order, blank and letter-case rules per
// component, one problem per bad value in table order and required settings last; and what a table derives (defaults,
// default text, env names, --help).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  defaultText,
  defineSetting,
  describeSettings,
  durationIn,
  flagFor,
  formatDurationMs,
  integerIn,
  loadSettings,
  mapParsed,
  parseBoolean,
  parseOptionalText,
  type Setting,
  settingDefaults,
  settingEnvNames,
  textMatching,
} from '../../../../src/common/index.js'

interface Demo {
  readonly name: string
  readonly port: number
  readonly verbose: boolean
  readonly waitMs: number
  readonly host: string | undefined
}

const ROWS: readonly Setting<Demo>[] = [
  defineSetting<Demo, 'name'>('name', {
    env: ['DEMO_Name'],
    flag: '--name',
    unit: 'word',
    required: 'a word',
    parse: textMatching(/^\w+$/, 'a word'),
  }),
  defineSetting<Demo, 'port'>('port', {
    env: ['DEMO_Port', 'PORT'],
    flag: '--port',
    unit: 'port',
    default: 8080,
    parse: integerIn(1, 65535),
    // The alias holds an offset from 8000, to show a per-variable parser.
    envParse: { PORT: mapParsed(integerIn(0, 1000), (offset) => 8000 + offset) },
  }),
  defineSetting<Demo, 'verbose'>('verbose', {
    env: ['DEMO_Verbose'],
    flag: '--verbose',
    unit: 'true|false',
    default: false,
    isSwitch: true,
    parse: parseBoolean,
  }),
  defineSetting<Demo, 'waitMs'>('waitMs', {
    env: ['DEMO_Wait'],
    flag: '--wait',
    unit: 'duration',
    default: 60_000,
    description: 'How long to wait.',
    parse: durationIn(1, 3_600_000),
    format: formatDurationMs,
  }),
  defineSetting<Demo, 'host'>('host', {
    env: ['DEMO_Host'],
    flag: '--host',
    unit: 'host',
    unsetText: '(all interfaces)',
    parse: parseOptionalText,
  }),
]

const EXACT = { blankIsUnset: false, ignoreEnvCase: false }

test('values come from the first env name that is set, else the default, and a flag wins over env', () => {
  const fromEnv = loadSettings(ROWS, { DEMO_Name: 'a', DEMO_Port: '81', PORT: '5' }, [], EXACT)
  assert.deepEqual(fromEnv.values, { name: 'a', port: 81, verbose: false, waitMs: 60_000, host: undefined })
  assert.deepEqual([...fromEnv.given].sort(), ['name', 'port'])
  const fromFlags = loadSettings(ROWS, { DEMO_Name: 'a', DEMO_Port: '81' }, ['--port', '82', '--wait=2s'], EXACT)
  assert.equal(fromFlags.values.port, 82)
  assert.equal(fromFlags.values.waitMs, 2_000)
  assert.equal(fromFlags.nameOf('port'), '--port')
  assert.equal(fromFlags.nameOf('name'), 'DEMO_Name')
})

test('an alias is read with its own parser when the first name is absent', () => {
  const loaded = loadSettings(ROWS, { DEMO_Name: 'a', PORT: '5' }, [], EXACT)
  assert.equal(loaded.values.port, 8005)
  assert.deepEqual(loadSettings(ROWS, { DEMO_Name: 'a', PORT: '5000' }, [], EXACT).problems, [
    'PORT must be an integer 0–1000, got "5000"',
  ])
})

test('a bare switch flag means true, and a switch flag takes a boolean after it', () => {
  const env = { DEMO_Name: 'a' }
  assert.equal(loadSettings(ROWS, env, ['--verbose'], EXACT).values.verbose, true)
  assert.equal(loadSettings(ROWS, env, ['--verbose', '--port', '1'], EXACT).values.verbose, true)
  assert.equal(loadSettings(ROWS, env, ['--verbose', '0'], EXACT).values.verbose, false)
  assert.equal(loadSettings(ROWS, env, ['--verbose', 'FALSE'], EXACT).values.verbose, false)
})

test('every problem is listed: flag problems, then bad values in table order, then a missing required setting', () => {
  const loaded = loadSettings(ROWS, { DEMO_Port: '0', DEMO_Wait: 'soon' }, ['--prot', '1', '--wait'], EXACT)
  assert.deepEqual(loaded.problems, [
    'unknown option "--prot": did you mean --port? (see --help)',
    'unknown option "1" (see --help)',
    '--wait needs a value (duration)',
    'DEMO_Port must be an integer 1–65535, got "0"',
    'DEMO_Wait must be a duration 1ms–1h like 250ms, 30s, 2m or 00:02:00, got "soon"',
    'DEMO_Name (or --name) is required: a word',
  ])
  // A bad value keeps the default, so cross-checks after loading still see a valid value.
  assert.equal(loaded.values.port, 8080)
})

test('blank values are values unless the component counts them as unset', () => {
  const env = { DEMO_Name: 'a', DEMO_Port: '  ', PORT: '7' }
  assert.deepEqual(loadSettings(ROWS, env, [], EXACT).problems, ['DEMO_Port must be an integer 1–65535, got "  "'])
  const blankIsUnset = loadSettings(ROWS, env, [], { blankIsUnset: true, ignoreEnvCase: false })
  assert.deepEqual(blankIsUnset.problems, [])
  assert.equal(blankIsUnset.values.port, 8007)
  assert.deepEqual(loadSettings(ROWS, { DEMO_Name: ' ' }, [], { blankIsUnset: true, ignoreEnvCase: false }).problems, [
    'DEMO_Name (or --name) is required: a word',
  ])
})

test('names match in any letter case only when the component asks, the documented casing first', () => {
  const env = { demo_name: 'lower', DEMO_Name: 'exact', DEMO_PORT: '99' }
  assert.equal(loadSettings(ROWS, env, [], EXACT).values.port, 8080)
  const loaded = loadSettings(ROWS, env, [], { blankIsUnset: false, ignoreEnvCase: true })
  assert.equal(loaded.values.name, 'exact')
  assert.equal(loaded.values.port, 99)
})

test('defaults, default text, env names and --help are derived from the rows', () => {
  assert.deepEqual(settingDefaults(ROWS), { port: 8080, verbose: false, waitMs: 60_000, host: undefined })
  assert.deepEqual(
    ROWS.map((row) => defaultText(row)),
    ['(required)', '8080', 'false', '60s', '(all interfaces)'],
  )
  assert.deepEqual(settingEnvNames(ROWS), ['DEMO_Name', 'DEMO_Port', 'PORT', 'DEMO_Verbose', 'DEMO_Wait', 'DEMO_Host'])
  const help = describeSettings(ROWS)
  assert.ok(help.includes('  --verbose [true|false]\n      env DEMO_Verbose; true|false; default false'))
  assert.ok(help.includes('  --wait <value>\n      env DEMO_Wait; duration; default 60s\n      How long to wait.'))
})

const flags: Array<[string, string]> = [
  ['MaxConcurrentCount', '--max-concurrent-count'],
  ['IncomingRequestHTTPPort', '--incoming-request-http-port'],
  ['IncomingRequestHTTPSPort', '--incoming-request-https-port'],
  ['ControlChannelInsecureHTTP2Port', '--control-channel-insecure-http2-port'],
]
for (const [key, flag] of flags) {
  test(`flagFor(${key}) is ${flag}`, () => assert.equal(flagFor(key), flag))
}
