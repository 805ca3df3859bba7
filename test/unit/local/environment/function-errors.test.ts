// Each environment failure mapped to the function error body an Invoke caller sees, in Lambda's wording.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  describeExit,
  type FunctionErrorBody,
  functionErrorFor,
  parsePostedError,
  responseTooLargeError,
} from '../../../../src/local/environment/function-errors.js'
import {
  EnvironmentShutDownError,
  ExtensionExitError,
  FunctionTimeoutError,
  InitReportedError,
  InitTimeoutError,
  type LocalLambdaError,
  ProcessExitedError,
} from '../../../../src/local/errors.js'

const spawnFailure = Object.assign(new Error('spawn /x ENOENT'), { code: 'ENOENT' })
const cases: { name: string; failure: LocalLambdaError; expected: FunctionErrorBody }[] = [
  {
    name: 'a function timeout is Sandbox.Timedout with seconds to two decimals',
    failure: new FunctionTimeoutError('e1', 'r1', 3000),
    expected: { errorType: 'Sandbox.Timedout', errorMessage: 'RequestId: r1 Error: Task timed out after 3.00 seconds' },
  },
  {
    name: 'an init timeout is Sandbox.Timedout naming the init phase',
    failure: new InitTimeoutError('e1', 10_000),
    expected: {
      errorType: 'Sandbox.Timedout',
      errorMessage: 'RequestId: r1 Error: Init phase timed out after 10.00 seconds',
    },
  },
  {
    name: 'a reported init error passes its type and message through',
    failure: new InitReportedError('e1', 'runtime', 'Runtime.ImportModuleError', 'no module'),
    expected: { errorType: 'Runtime.ImportModuleError', errorMessage: 'no module' },
  },
  {
    name: 'a runtime exit with a code is Runtime.ExitError',
    failure: new ProcessExitedError('e1', 'runtime', 'runtime', 10, 1, null),
    expected: {
      errorType: 'Runtime.ExitError',
      errorMessage: 'RequestId: r1 Error: Runtime exited with error: exit status 1',
    },
  },
  {
    name: 'a runtime exit carries the last lines of its stderr (issue 14)',
    failure: new ProcessExitedError('e1', 'runtime', 'runtime', 10, 127, null, ['sh: 1: my-server: not found']),
    expected: {
      errorType: 'Runtime.ExitError',
      errorMessage:
        'RequestId: r1 Error: Runtime exited with error: exit status 127; last stderr: "sh: 1: my-server: not found"',
    },
  },
  {
    name: 'a runtime killed by a signal says which',
    failure: new ProcessExitedError('e1', 'runtime', 'runtime', 10, null, 'SIGKILL'),
    expected: {
      errorType: 'Runtime.ExitError',
      errorMessage: 'RequestId: r1 Error: Runtime exited with error: signal: killed',
    },
  },
  {
    name: 'a runtime exiting with 0 gave no reason',
    failure: new ProcessExitedError('e1', 'runtime', 'runtime', 10, 0, null),
    expected: {
      errorType: 'Runtime.ExitError',
      errorMessage: 'RequestId: r1 Error: Runtime exited without providing a reason',
    },
  },
  {
    name: 'an extension exit is Extension.Crash',
    failure: new ProcessExitedError('e1', 'extension-0', 'extension', 11, 2, null),
    expected: { errorType: 'Extension.Crash', errorMessage: 'RequestId: r1 Error: exit status 2' },
  },
  {
    name: 'a runtime that could not start is Runtime.InvalidEntrypoint',
    failure: new ProcessExitedError('e1', 'runtime', 'runtime', undefined, null, null, [], { cause: spawnFailure }),
    expected: {
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: 'RequestId: r1 Error: could not start runtime: ENOENT',
    },
  },
  {
    name: 'an extension exit error keeps its type',
    failure: new ExtensionExitError('e1', 'ext', 'Extension.Fatal'),
    expected: { errorType: 'Extension.Fatal', errorMessage: 'RequestId: r1 Error: extension ext exited with an error' },
  },
  {
    name: 'a shutdown under a running invoke is Sandbox.ShutDown with the reason',
    failure: new EnvironmentShutDownError('e1', 'spindown'),
    expected: {
      errorType: 'Sandbox.ShutDown',
      errorMessage: 'RequestId: r1 Error: the execution environment was shut down (spindown)',
    },
  },
]

for (const row of cases) {
  test(`functionErrorFor: ${row.name}`, () => {
    assert.deepEqual(functionErrorFor(row.failure, 'r1'), row.expected)
  })
}

test('describeExit words exits as Go does', () => {
  assert.equal(describeExit(3, null), 'exit status 3')
  assert.equal(describeExit(null, 'SIGTERM'), 'signal: terminated')
  assert.equal(describeExit(null, 'SIGUSR1'), 'signal: sigusr1')
})

test('the too-large response error names the 6 MiB + 100 byte limit', () => {
  assert.deepEqual(responseTooLargeError(), {
    errorType: 'Function.ResponseSizeTooLarge',
    errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
  })
})

test('parsePostedError reads JSON fields and falls back to the header type and raw text', () => {
  assert.deepEqual(parsePostedError(Buffer.from('{"errorType":"A","errorMessage":"m"}'), 'B'), {
    errorType: 'A',
    errorMessage: 'm',
  })
  assert.deepEqual(parsePostedError(Buffer.from('boom'), 'B'), { errorType: 'B', errorMessage: 'boom' })
  assert.deepEqual(parsePostedError(Buffer.from('[]'), undefined), { errorType: 'Runtime.Unknown', errorMessage: '[]' })
})
