// Test helpers for the local Lambda service: start one with cleanup, build the scripted extension's argv, an SDK
// client with fake credentials, typed event waiters, and waits for processes to stop or end (read through proc.ts).
import { createServer as createHttpServer } from 'node:http'
import { resolve } from 'node:path'
import type { TestContext } from 'node:test'
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda'
import {
  type LocalFunctionConfig,
  type LocalLambda,
  type LocalLambdaConfig,
  type LocalLambdaEvents,
  startLocalLambda,
} from '../../src/local/index.js'
import { deferred } from './deferred.js'
import { demoAppCommand } from './local-demo-app.js'
import { processGroupMembers, processState } from './proc.js'
import { teardown } from './teardown.js'

const SCRIPTED_EXTENSION = resolve(import.meta.dirname, 'local-scripted-extension.ts')

export function scriptedExtensionCommand(): string[] {
  return [process.execPath, '--import', 'tsx', SCRIPTED_EXTENSION]
}

/**
 * A function whose runtime is the demo app and whose one extension is the scripted extension, with test-sized
 * timeouts; each environment gets its own PORT. `overrides.env` adds SCRIPTED_EXTENSION_* settings and the like.
 */
export function demoFunction(overrides: Partial<LocalFunctionConfig> = {}): LocalFunctionConfig {
  return {
    runtimeCommand: demoAppCommand(),
    extensionCommands: [scriptedExtensionCommand()],
    portVariables: ['PORT'],
    timeoutMs: 5000,
    initTimeoutMs: 10_000,
    shutdownTimeoutMs: 1000,
    ...overrides,
  }
}

/** Starts a local Lambda with `functions` and closes it after the test. */
export async function startTestLambda(
  t: TestContext,
  functions: Record<string, LocalFunctionConfig>,
  options: Omit<LocalLambdaConfig, 'functions'> = {},
): Promise<LocalLambda> {
  // LOCAL_LAMBDA_TEST_OUTPUT=1 shows the children's output while debugging a test.
  const childOutput = process.env.LOCAL_LAMBDA_TEST_OUTPUT ? 'inherit' : 'ignore'
  const lambda = await startLocalLambda({ functions, childOutput, ...options })
  teardown(t)(() => lambda.close())
  return lambda
}

export function lambdaClient(t: TestContext, endpoint: string, maxAttempts = 1): LambdaClient {
  const client = new LambdaClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts,
  })
  teardown(t)(() => client.destroy())
  return client
}

export interface JsonInvokeResult {
  readonly output: InvokeCommandOutput
  readonly json: unknown
}

/** Invokes with a JSON payload and parses the JSON answer. */
export async function invokeJson(
  client: LambdaClient,
  functionName: string,
  payload: unknown,
  invocationType: 'RequestResponse' | 'Event' | 'DryRun' = 'RequestResponse',
): Promise<JsonInvokeResult> {
  const output = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: invocationType,
      Payload: Buffer.from(JSON.stringify(payload)),
    }),
  )
  const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : ''
  return { output, json: text ? JSON.parse(text) : undefined }
}

/** Resolves with the first `event` for which `matches` holds. Create it before triggering what emits it. */
export function nextEvent<K extends keyof LocalLambdaEvents>(
  lambda: LocalLambda,
  event: K,
  matches: (payload: LocalLambdaEvents[K][0]) => boolean = () => true,
): Promise<LocalLambdaEvents[K][0]> {
  return new Promise((resolveEvent) => {
    const listener = (payload: LocalLambdaEvents[K][0]): void => {
      if (!matches(payload)) return
      lambda.events.off(event, listener as never)
      resolveEvent(payload)
    }
    lambda.events.on(event, listener as never)
  })
}

/**
 * Resolves once /proc shows `pid` in `state`, rejecting after `limitMs`. The one retry loop in these tests: the
 * kernel applies SIGSTOP asynchronously, and Linux reports a stop only to a waitpid() caller, which libuv is not.
 */
export async function untilProcessState(pid: number, state: string, limitMs = 5000): Promise<void> {
  const startedAtMs = Date.now()
  for (let attempt = 0; processState(pid) !== state; attempt++) {
    if (Date.now() - startedAtMs > limitMs) {
      throw new Error(`process ${pid} is in state ${processState(pid)}, not ${state}, after ${limitMs} ms`)
    }
    await new Promise((resolveLater) => setTimeout(resolveLater, Math.min(2 ** attempt, 50)))
  }
}

/** Resolves once `pid` is gone or a zombie (a non-child's death gives this process no event), within `limitMs`. */
export async function untilGone(pid: number, limitMs = 5000): Promise<void> {
  const startedAtMs = Date.now()
  for (let attempt = 0; !['Z', undefined].includes(processState(pid)); attempt++) {
    if (Date.now() - startedAtMs > limitMs) throw new Error(`process ${pid} still runs after ${limitMs} ms`)
    await new Promise((resolveLater) => setTimeout(resolveLater, Math.min(2 ** attempt, 50)))
  }
}

/**
 * SIGKILLs whatever is left of process group `pgid` and resolves once every member is gone. For a tree whose leader
 * has exited: its other members are no children of this process, so no exit event reports them (see `untilGone`).
 */
export async function killProcessGroup(pgid: number): Promise<void> {
  const members = processGroupMembers(pgid)
  if (members.length === 0) return
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
  await Promise.all(members.map((pid) => untilGone(pid)))
}

/** True when `pid` no longer exists: process.kill(pid, 0) fails with ESRCH. */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

export interface HeldCall {
  /** Resolves when the function's request arrives (the invoke is then running inside its environment). */
  readonly arrived: Promise<void>
  /** Answers the held request with `body`, letting the invoke finish. */
  release(body?: string): void
}

export interface CallHolder {
  readonly url: string
  /** Registers the next call to `path` so the test decides when it is answered. */
  hold(path: string): HeldCall
}

/** A loopback server whose answers the test releases: invokes with {"action":"call"} end exactly when told. */
export async function startCallHolder(t: TestContext): Promise<CallHolder> {
  const held = new Map<string, { arrive: () => void; respond: Promise<string> }>()
  const server = createHttpServer((req, res) => {
    const entry = held.get(req.url ?? '')
    if (!entry) {
      res.writeHead(404).end()
      return
    }
    entry.arrive()
    void entry.respond.then((body) => res.end(body))
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolveListening) => server.once('listening', resolveListening))
  teardown(t)(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    hold(path) {
      const arrived = deferred()
      const response = deferred<string>()
      held.set(path, { arrive: () => arrived.resolve(), respond: response.promise })
      return { arrived: arrived.promise, release: (body = 'released') => response.resolve(body) }
    },
  }
}
