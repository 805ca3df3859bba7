// A stand-in for AWS Lambda Web Adapter, for the scale-up baseline: one process per execution environment that
// registers as an extension, waits for the app to answer its readiness path, then loops on the Runtime API: take one
// event, replay it to the app over HTTP/1.1, post the app's answer as the result. One request per invoke, as API
// Gateway + Lambda run a web app. Reads AWS_LAMBDA_RUNTIME_API and PORT; imports nothing from src/.
import { Agent, type IncomingHttpHeaders, request } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { type ApiGatewayEvent, toApiGatewayResult, toAppRequest } from './lib/api-gateway-event.js'

const runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API
const appPort = Number(process.env.PORT)
const READINESS_PATH = '/health'
// LWA polls readiness every 10 ms by default.
const READINESS_INTERVAL_MS = 10

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

const runtimeAgent = new Agent({ keepAlive: true, maxSockets: 4 })
const appAgent = new Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 1_000 })

function call(
  agent: Agent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Buffer | string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.once('error', reject)
    })
    req.once('error', reject)
    req.end(body)
  })
}

async function waitForApp(): Promise<void> {
  for (;;) {
    try {
      const answer = await call(appAgent, `http://127.0.0.1:${appPort}${READINESS_PATH}`, 'GET', {})
      // LWA counts any status under 500 as ready. Here only 2xx does: environments share loopback, and a port handed
      // to a slow-starting app can briefly belong to another local server, whose 404 must not pass for the app.
      if (answer.status >= 200 && answer.status < 300) return
    } catch {
      // not listening yet
    }
    await delay(READINESS_INTERVAL_MS)
  }
}

async function main(): Promise<void> {
  if (!runtimeApi || !Number.isInteger(appPort)) throw new Error('AWS_LAMBDA_RUNTIME_API and PORT are required')
  const base = `http://${runtimeApi}`
  const registered = await call(
    runtimeAgent,
    `${base}/2020-01-01/extension/register`,
    'POST',
    { 'lambda-extension-name': 'lambda-web-adapter', 'content-type': 'application/json' },
    JSON.stringify({ events: ['SHUTDOWN'] }),
  )
  const extensionId = registered.headers['lambda-extension-identifier']
  if (typeof extensionId !== 'string') throw new Error(`extension registration failed: ${registered.status}`)
  // The extension side only waits for SHUTDOWN, then leaves.
  void (async () => {
    for (;;) {
      const event = await call(runtimeAgent, `${base}/2020-01-01/extension/event/next`, 'GET', {
        'lambda-extension-identifier': extensionId,
      })
      if ((JSON.parse(event.body.toString('utf8')) as { eventType?: string }).eventType === 'SHUTDOWN') process.exit(0)
    }
  })()
  await waitForApp()
  for (;;) {
    const next = await call(runtimeAgent, `${base}/2018-06-01/runtime/invocation/next`, 'GET', {})
    const requestId = next.headers['lambda-runtime-aws-request-id']
    if (typeof requestId !== 'string') throw new Error(`invocation/next without a request id: ${next.status}`)
    const event = JSON.parse(next.body.toString('utf8')) as ApiGatewayEvent
    const appRequest = toAppRequest(event)
    let result: string
    try {
      const answer = await call(
        appAgent,
        `http://127.0.0.1:${appPort}${appRequest.path}`,
        appRequest.method,
        appRequest.headers,
        appRequest.body,
      )
      result = JSON.stringify(toApiGatewayResult(answer.status, answer.headers, answer.body))
    } catch (error) {
      result = JSON.stringify(toApiGatewayResult(502, { 'content-type': 'text/plain' }, Buffer.from(String(error))))
    }
    await call(
      runtimeAgent,
      `${base}/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/response`,
      'POST',
      { 'content-type': 'application/json' },
      result,
    )
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`lambda-web-adapter: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
