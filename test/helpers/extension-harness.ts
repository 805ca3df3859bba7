// Runs the real extension as a child process (node --import tsx src/extension/main.ts) against a scripted router, a
// scripted Runtime API and the demo app; reads its JSON log lines back. Everything is torn down last-in first-out by teardown(t).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import type { TestContext } from 'node:test'
import { createDemoServer } from '../../src/demo-app/server.js'
import { encodeWaiterRequest, type WaiterRequest } from '../../src/protocol/index.js'
import { type ScriptedRouter, type ScriptedRouterOptions, startScriptedRouter } from './scripted-router.js'
import { type InvokeResult, type ScriptedRuntimeApi, startScriptedRuntimeApi } from './scripted-runtime-api.js'
import { teardown } from './teardown.js'

const ROOT = resolve(import.meta.dirname, '../..')

export type LogLine = Record<string, unknown> & { msg?: string; level?: string }

/** The extension child process and its parsed stdout. */
export interface ExtensionProcess {
  readonly child: ChildProcess
  readonly logs: LogLine[]
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** How the extension starts by default: the TypeScript entry through tsx. */
const SOURCE_COMMAND = [process.execPath, '--import', 'tsx', 'src/extension/main.ts']

/**
 * Spawns the extension with `env` (plus PATH); killed with SIGKILL at teardown if still running. `command` replaces
 * the default (the source entry through tsx), e.g. with the layer's launcher.
 */
export function startExtensionProcess(
  t: TestContext,
  env: Record<string, string>,
  command: readonly string[] = SOURCE_COMMAND,
): ExtensionProcess {
  const [executable = process.execPath, ...args] = command
  const child = spawn(executable, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LAMBDA_DISPATCH_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const logs: LogLine[] = []
  const waiters: Array<{ predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }> = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: LogLine
    try {
      line = JSON.parse(text) as LogLine
    } catch {
      line = { msg: text, level: 'raw' }
    }
    logs.push(line)
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(line)) continue
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
    if (process.env.EXTENSION_TEST_LOGS) process.stderr.write(`[extension] ${text}\n`)
  })
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }))
  teardown(t)(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return {
    child,
    logs,
    exited,
    waitForLog(predicate) {
      const found = logs.find(predicate)
      if (found) return Promise.resolve(found)
      return new Promise((resolveLine) => waiters.push({ predicate, resolve: resolveLine }))
    },
  }
}

/** The demo app in this process (the real routes and server), on an ephemeral port. */
export async function startDemoApp(
  t: TestContext,
  keepAliveTimeoutMs?: number,
): Promise<{ port: number; server: Server }> {
  const server = createDemoServer({ keepAliveTimeoutMs, exitProcess: () => server.closeAllConnections() })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  teardown(t)(() => {
    server.closeAllConnections()
    server.close()
  })
  return { port: (server.address() as AddressInfo).port, server }
}

/** The demo app as its own process (for crash tests); resolves once it printed its listening line. */
export async function startDemoAppProcess(
  t: TestContext,
  env: Record<string, string> = {},
): Promise<{ port: number; child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo-app/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  teardown(t)(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  for await (const line of lines) {
    const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)
    if (match) return { port: Number(match[1]), child, exited }
  }
  throw new Error('the demo app exited before listening')
}

/** A throwaway self-signed certificate (openssl) and its SHA-256 fingerprint as Node prints it (`AB:CD:…`). */
export function createSelfSignedCert(): { key: string; cert: string; fingerprint256: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ld-extension-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=lambdadispatch.local',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert,
      fingerprint256: new X509Certificate(cert).fingerprint256,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface HarnessOptions {
  readonly env?: Record<string, string>
  readonly router?: ScriptedRouterOptions
  /** The app port to configure; default: a fresh in-process demo app. */
  readonly appPort?: number
  /** The extension's command line (default: the source entry through tsx). */
  readonly command?: readonly string[]
  /** Wait until the extension polls invocation/next before returning (default true). */
  readonly waitForPoll?: boolean
}

export interface Harness {
  readonly router: ScriptedRouter
  readonly runtime: ScriptedRuntimeApi
  readonly extension: ExtensionProcess
  readonly appPort: number
  /** The in-process demo app, when the harness started one. */
  readonly app: Server | undefined
  /** Sends an invoke built from `fields` (Id, channels…) and resolves with the extension's answer. */
  invoke(fields?: Partial<WaiterRequest>, options?: { deadlineMs?: number }): Promise<InvokeResult>
}

let lambdaCounter = 0

/** A unique lambda id per invoke, so logs and router records never mix. */
export function nextLambdaId(): string {
  lambdaCounter++
  return `lambda-${process.pid}-${lambdaCounter}`
}

export async function startHarness(t: TestContext, options: HarnessOptions = {}): Promise<Harness> {
  const app = options.appPort === undefined ? await startDemoApp(t) : undefined
  const appPort = options.appPort ?? (app?.port as number)
  const router = await startScriptedRouter(options.router)
  teardown(t)(() => router.close())
  const runtime = await startScriptedRuntimeApi()
  teardown(t)(() => runtime.close())
  const extension = startExtensionProcess(
    t,
    { AWS_LAMBDA_RUNTIME_API: runtime.address, LAMBDA_DISPATCH_PORT: String(appPort), ...options.env },
    options.command,
  )
  if (options.waitForPoll ?? true) await runtime.nextPoll()
  return {
    router,
    runtime,
    extension,
    appPort,
    app: app?.server,
    invoke(fields = {}, invokeOptions = {}) {
      const request: WaiterRequest = {
        poolId: 'default',
        id: nextLambdaId(),
        dispatcherUrl: router.url,
        numberOfChannels: 1,
        sentTime: new Date().toISOString(),
        initOnly: false,
        ...fields,
      }
      return runtime.invoke(encodeWaiterRequest(request), invokeOptions)
    },
  }
}
