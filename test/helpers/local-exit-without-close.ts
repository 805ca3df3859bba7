// Child-process fixture: starts a local Lambda whose children inherit this process's stdout, warms one environment,
// prints `PIDS [...]`, then exits without close(). The parent checks that the exit hook killed every child.
import { startLocalLambda } from '../../src/local/index.js'
import { demoFunction } from './local-lambda.js'

const lambda = await startLocalLambda({ functions: { demo: demoFunction() }, childOutput: 'inherit' })
const response = await fetch(`${lambda.endpoint}/2015-03-31/functions/demo/invocations`, {
  method: 'POST',
  body: JSON.stringify({ action: 'echo' }),
})
await response.arrayBuffer()
const pids = lambda.environments('demo').flatMap((environment) => environment.processes.map((process) => process.pid))
process.stdout.write(`PIDS ${JSON.stringify(pids)}\n`)
process.exit(0)
