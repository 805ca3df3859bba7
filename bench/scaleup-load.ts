// The scale-up comparison's client side, in its own process so the load (and, for direct Lambda, the API Gateway
// stand-in and its SDK invokes) does not share an event loop with the local Lambda service it measures. Reads its
// plan as JSON in argv[2]; before each phase prints `PHASE <name>` and waits for `go` on stdin; after it prints
// `RESULT <name> <json records>`. Spawned by bench/scaleup.ts only.
import { createInterface } from 'node:readline'
import { ApiGateway } from './lib/api-gateway.js'
import { type LoadPhase, type LoadPlan, type RequestRecord, runClosedLoop } from './lib/closed-loop.js'

interface Plan extends LoadPlan {
  readonly phases: readonly LoadPhase[]
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as Plan
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const gateway = plan.gateway ? new ApiGateway(plan.gateway) : undefined
  const url = gateway ? await gateway.listen() : plan.url
  if (url === undefined) throw new Error('the plan needs a url or a gateway')
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  try {
    for (const phase of plan.phases) {
      process.stdout.write(`PHASE ${phase.name}\n`)
      const answer = await lines.next()
      if (answer.done || answer.value.trim() !== 'go') throw new Error(`no go for phase ${phase.name}`)
      const prefix = phase.requestIdPrefix
      const records: RequestRecord[] = await runClosedLoop({
        url: `${url}${phase.path}`,
        concurrency: phase.concurrency,
        total: phase.total,
        keepHeaders: phase.keepHeaders,
        timeoutMs: phase.timeoutMs,
        ...(prefix === undefined ? {} : { headersFor: (index: number) => ({ 'x-request-id': `${prefix}${index}` }) }),
      })
      process.stdout.write(`RESULT ${phase.name} ${JSON.stringify(records)}\n`)
    }
  } finally {
    await gateway?.close()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`scaleup-load: ${(error as Error).stack ?? String(error)}\n`)
    process.exit(1)
  },
)
