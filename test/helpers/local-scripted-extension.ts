// A scripted Lambda extension for local Lambda tests, run as a child process. Like the lambda-dispatch extension it
// registers with the Extensions API and drives the Runtime API loop itself; each invoke's JSON payload says what
// to do ({"action":"echo"|"sleep"|"hang"|"error"|"exit"|"fetch"|"call"|"big", …}): "call" GETs `url` and answers
// with its body, so a test holding that request controls when the invoke ends. Settings come from the environment:
//   SCRIPTED_EXTENSION_EVENTS  events to register for (default SHUTDOWN, as the original extension)
//   SCRIPTED_EXTENSION_INIT    ready (default) | hang (never polls /next) | error (posts init/error) | exit
//   SCRIPTED_EXTENSION_LOG     file that gets one JSON line per event and signal received
//   PORT                       the app's port; when set, its /health must answer 200 before the first /next
//   SCRIPTED_EXTENSION_IGNORE_SHUTDOWN=1  log SHUTDOWN but keep running (to be killed at the deadline)
//   SCRIPTED_EXTENSION_RECORDER_PORT  a loopback port that gets a line `extension <what>` for each of those entries
//                                     (registered, an event type, a signal), on one connection its exit closes
import { appendFileSync } from 'node:fs'
import { connect } from 'node:net'

const api = `http://${process.env.AWS_LAMBDA_RUNTIME_API}`
const logPath = process.env.SCRIPTED_EXTENSION_LOG
const appUrl = process.env.PORT ? `http://127.0.0.1:${process.env.PORT}` : undefined
const initMode = process.env.SCRIPTED_EXTENSION_INIT ?? 'ready'
const events = (process.env.SCRIPTED_EXTENSION_EVENTS ?? 'SHUTDOWN').split(',').filter(Boolean)

const recorderPort = process.env.SCRIPTED_EXTENSION_RECORDER_PORT
const recorder = recorderPort ? connect(Number(recorderPort), '127.0.0.1') : undefined

function record(entry: Record<string, unknown>): void {
  if (logPath) appendFileSync(logPath, `${JSON.stringify({ pid: process.pid, ...entry })}\n`)
  const event = entry.event as { eventType?: string } | undefined
  const what = 'registered' in entry ? 'registered' : (event?.eventType ?? entry.signal)
  if (recorder && typeof what === 'string') recorder.write(`extension ${what}\n`)
}

process.on('SIGTERM', () => {
  record({ signal: 'SIGTERM' })
  process.exit(143)
})

async function register(): Promise<string> {
  const response = await fetch(`${api}/2020-01-01/extension/register`, {
    method: 'POST',
    headers: { 'lambda-extension-name': 'local-scripted-extension', 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  })
  const id = response.headers.get('lambda-extension-identifier')
  if (response.status !== 200 || !id) throw new Error(`register failed with ${response.status}`)
  record({ registered: await response.json() })
  return id
}

async function eventLoop(id: string): Promise<void> {
  for (;;) {
    const response = await fetch(`${api}/2020-01-01/extension/event/next`, {
      headers: { 'lambda-extension-identifier': id },
    })
    const event = (await response.json()) as { eventType: string }
    record({ event })
    if (event.eventType === 'SHUTDOWN' && !process.env.SCRIPTED_EXTENSION_IGNORE_SHUTDOWN) process.exit(0)
  }
}

/** Waits for the app like a readiness probe: bounded backoff, no fixed sleeps. */
async function waitForApp(url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** attempt, 100)))
  }
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${api}${path}`, { method: 'POST', body, headers })
  await response.arrayBuffer()
  return response.status
}

async function handle(requestId: string, payload: Record<string, unknown>, headers: Headers): Promise<boolean> {
  const respond = (value: unknown): Promise<number> =>
    post(`/2018-06-01/runtime/invocation/${requestId}/response`, JSON.stringify(value))
  switch (payload.action) {
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, Number(payload.ms)))
      await respond({ slept: payload.ms })
      return true
    case 'hang':
      return false
    case 'error':
      await post(
        `/2018-06-01/runtime/invocation/${requestId}/error`,
        JSON.stringify({ errorType: 'Scripted.Failure', errorMessage: 'scripted failure', stackTrace: [] }),
        { 'lambda-runtime-function-error-type': 'Scripted.Failure' },
      )
      return true
    case 'exit':
      process.exit(Number(payload.code ?? 3))
      return false
    case 'fetch':
    case 'call': {
      const url = payload.action === 'call' ? String(payload.url) : `${appUrl}${String(payload.path)}`
      const response = await fetch(url)
      await respond({ status: response.status, body: await response.text() })
      return true
    }
    case 'big':
      record({ bigResponseStatus: await respond('x'.repeat(Number(payload.bytes))) })
      return true
    default:
      await respond({
        value: payload.value,
        pid: process.pid,
        requestId,
        deadlineMs: headers.get('lambda-runtime-deadline-ms'),
        invokedFunctionArn: headers.get('lambda-runtime-invoked-function-arn'),
        traceId: headers.get('lambda-runtime-trace-id'),
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memorySize: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      })
      return true
  }
}

async function runtimeLoop(): Promise<void> {
  for (;;) {
    const response = await fetch(`${api}/2018-06-01/runtime/invocation/next`)
    const requestId = response.headers.get('lambda-runtime-aws-request-id') as string
    const payload = (await response.json()) as Record<string, unknown>
    if (!(await handle(requestId, payload, response.headers))) return
  }
}

const id = await register()
void eventLoop(id)
if (appUrl) await waitForApp(appUrl)
switch (initMode) {
  case 'hang':
    break
  case 'error':
    await post(
      '/2018-06-01/runtime/init/error',
      JSON.stringify({ errorType: 'Scripted.InitFailure', errorMessage: 'init failed' }),
      {
        'lambda-runtime-function-error-type': 'Scripted.InitFailure',
      },
    )
    break
  case 'exit':
    process.exit(2)
    break
  default:
    await runtimeLoop()
}
