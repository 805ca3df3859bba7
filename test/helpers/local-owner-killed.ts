// Child-process fixture for test/integration/local-owner-killed-leaves-no-process.test.ts: starts a local Lambda
// whose runtime and extension each hold a connection to HOLD_PORT (a server the test owns), invokes once, waits for
// the environment to be ready (or frozen, with FREEZE=1), prints `PIDS [...]` and then waits to be killed.
import { startLocalLambda } from '../../src/local/index.js'
import { nextEvent, scriptedExtensionCommand } from './local-lambda.js'

const holdPort = process.env.HOLD_PORT as string
const isFrozen = process.env.FREEZE === '1'
// The runtime: connects to the test's server and keeps that connection, then answers the scripted extension's
// readiness probe on PORT, so the environment cannot be ready (and frozen) before the connection is made.
const HOLDING_RUNTIME = `require('node:net').connect(Number(process.env.HOLD_PORT), '127.0.0.1', () => {
  require('node:http').createServer((request, response) => response.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')
})`

const lambda = await startLocalLambda({
  functions: {
    demo: {
      runtimeCommand: [process.execPath, '-e', HOLDING_RUNTIME],
      extensionCommands: [scriptedExtensionCommand()],
      portVariables: ['PORT'],
      env: { HOLD_PORT: holdPort, SCRIPTED_EXTENSION_RECORDER_PORT: holdPort },
      freezeWhenIdle: isFrozen,
      timeoutMs: 5000,
      initTimeoutMs: 10_000,
      shutdownTimeoutMs: 1000,
    },
  },
  childOutput: process.env.LOCAL_LAMBDA_TEST_OUTPUT ? 'inherit' : 'ignore',
})
const settled = nextEvent(lambda, 'environment-state', (event) => event.to === (isFrozen ? 'frozen' : 'ready'))
const response = await fetch(`${lambda.endpoint}/2015-03-31/functions/demo/invocations`, {
  method: 'POST',
  body: JSON.stringify({ action: 'echo' }),
})
await response.arrayBuffer()
await settled
const pids = lambda.environments('demo').flatMap((environment) => environment.processes.map((process) => process.pid))
process.stdout.write(`PIDS ${JSON.stringify(pids)}\n`)
// The Invoke API listener keeps this process alive until the test kills it.
