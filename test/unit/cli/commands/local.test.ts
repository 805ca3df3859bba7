// `lambda-dispatch local --help` (issue 5): the command documents every flag it takes, with the defaults a user
// gets, and exits 0 without starting anything.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli } from '../../../helpers/local-command.js'

// Every option of `lambda-dispatch local`, as --help must show it.
const FLAGS = [
  '--port <port>',
  '--control-port <port>',
  '--admin-port <port>',
  '--app <command>',
  '--readiness-path <path>',
  '--init-timeout <ms>',
  '--function-name <name>',
  '--cold-start <ms>',
  '--function-timeout <ms>',
  '--concurrency <n>',
  '--no-freeze',
  '--log-level <level>',
  '--log-format <format>',
  '--router-setting <KEY=VALUE>',
  '--env <KEY=VALUE>',
  '--no-status',
  '-h, --help',
]

test('local --help lists every flag with its defaults and exits 0 without starting the stack', async () => {
  const { code, stdout, stderr } = await runCli(['local', '--help'])
  assert.equal(code, 0)
  assert.equal(stderr, '')
  assert.match(stdout, /^Usage: lambda-dispatch local \[options\]\n/)
  assert.match(stdout, /run the whole system on this machine/)
  const listed = stdout
    .split('\n')
    .flatMap((line) => /^ {2}(-[^ ].*?)(?: {2,}|$)/.exec(line)?.[1] ?? [])
    .map((flag) => flag.trim())
  assert.deepEqual(listed, FLAGS, 'exactly these flags, in this order')
  // Commander wraps descriptions at 80 columns off a terminal; the words are what matter.
  const text = stdout.replace(/\s+/g, ' ')
  assert.ok(text.includes('--port <port> router front door port (HTTP/1.1 and h2c) (default: 5001)'))
  assert.ok(text.includes('--control-port <port> router control channel port (h2c) (default: 5003)'))
  assert.match(text, /--function-name <name> [^-]*\(default: lambda-dispatch-demo, or app with --app\)/)
  assert.match(text, /--readiness-path <path> [^-]*\(default: \/health\)/)
  assert.match(text, /--init-timeout <ms> [^-]*\(default: 10000\)/)
  assert.match(text, /--concurrency <n> [^-]*\(default: 50\)/)
  assert.match(text, /--log-level <level> [^-]*\(default: "warn"\)/)
  assert.doesNotMatch(stdout, /Lambda Dispatch is running locally/, 'help starts nothing')
})

// Issue 14: numbers and setting names given as flags are checked before anything starts.
const refused: Array<{ args: string[]; message: RegExp }> = [
  { args: ['--concurrency', '0'], message: /--concurrency <n>' argument '0' is invalid\. must be an integer 1–1000/ },
  { args: ['--port', '70000'], message: /--port <port>' argument '70000' is invalid\. must be an integer 0–65535/ },
  { args: ['--init-timeout', 'soon'], message: /--init-timeout <ms>' argument 'soon' is invalid\. must be a duration/ },
  // Issue 15: the duration rule of every other setting, bounded by Lambda's 15 minutes.
  {
    args: ['--function-timeout', '16m'],
    message: /--function-timeout <ms>' argument '16m' is invalid\. must be a duration 1ms–15m like 250ms/,
  },
  {
    args: ['--log-level', 'loud'],
    message: /--log-level must be one of fatal, error, warn, info, debug, trace, silent/,
  },
  { args: ['--log-format', 'xml'], message: /--log-format must be one of json, pretty/ },
  {
    args: ['--router-setting', 'MaxConcurentCount=5'],
    message:
      /LAMBDA_DISPATCH_MaxConcurentCount is not a known setting \(did you mean LAMBDA_DISPATCH_MaxConcurrentCount\?\)/,
  },
  {
    args: ['--env', 'LAMBDA_DISPATCH_READINES_PATH=/'],
    message: /LAMBDA_DISPATCH_READINES_PATH is not a known setting \(did you mean LAMBDA_DISPATCH_READINESS_PATH\?\)/,
  },
  { args: ['--readiness-path', 'health'], message: /--readiness-path must start with "\/"/ },
]
for (const row of refused) {
  test(`local ${row.args.join(' ')} exits 1 naming the problem and starts nothing`, async () => {
    const { code, stdout, stderr } = await runCli(['local', '--port', '0', '--control-port', '0', ...row.args])
    assert.equal(code, 1)
    assert.match(stderr, row.message)
    assert.doesNotMatch(stdout, /Lambda Dispatch is running locally/)
  })
}
