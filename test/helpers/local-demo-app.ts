// Starts the demo app for tests: in-process (its server object) or as a real child process (its ready line).
// Everything started here is stopped by the returned handle; callers register that with teardown(t).
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { createDemoServer, type DemoServerOptions } from '../../src/demo-app/server.js'

export const DEMO_APP_MAIN = resolve(import.meta.dirname, '../../src/demo-app/main.ts')
export const REPO_ROOT = resolve(import.meta.dirname, '../..')

/** The argv that runs the demo app from source: usable as a local Lambda `runtimeCommand`. */
export function demoAppCommand(): string[] {
  return [process.execPath, '--import', 'tsx', DEMO_APP_MAIN]
}

export interface InProcessDemoApp {
  readonly server: Server
  readonly origin: string
  close(): Promise<void>
}

/** Listens on 127.0.0.1:0 in this process. */
export async function startInProcessDemoApp(options: DemoServerOptions = {}): Promise<InProcessDemoApp> {
  const server = createDemoServer(options)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
}

export interface DemoAppProcess {
  readonly child: ChildProcess
  readonly origin: string
  /** SIGTERM, then resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>
}

/** Spawns `main.ts` with PORT=0 (plus `env`) and resolves once it printed its ready line. */
export async function spawnDemoApp(env: Record<string, string> = {}): Promise<DemoAppProcess> {
  const child = spawn(demoAppCommand()[0] as string, demoAppCommand().slice(1), {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const origin = await new Promise<string>((resolveOrigin, reject) => {
    lines.once('line', (line) => {
      const match = /^demo-app listening on (http:\/\/\S+)$/.exec(line)
      if (match?.[1]) resolveOrigin(match[1])
      else reject(new Error(`unexpected first line from the demo app: ${line}`))
    })
    exited.then((code) => reject(new Error(`demo app exited with ${code} before it was ready`)))
  }).catch(async (error: unknown) => {
    // The caller gets no handle to stop: an app that printed something unexpected is killed here.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
    throw error
  })
  return {
    child,
    origin,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}
