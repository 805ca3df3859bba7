// The bare-tunnel path for benchmarks: bench/bare-tunnel/{router,extension}.ts bundled with esbuild (as dist/ is)
// into a temporary directory and run as two processes of their own in front of a given app, so each one's CPU and
// memory are read from /proc alone. Everything it starts and writes, close() stops and removes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { nodeCommand, waitUntilServing } from './dispatch-stack.js'
import { type ManagedProcess, spawnReady } from './processes.js'
import type { ProcessGroups } from './resource-meter.js'

export interface BareTunnelOptions {
  /** Package root (holds bench/bare-tunnel/). */
  readonly root: string
  /** The app every exchange is relayed to, e.g. `http://127.0.0.1:3001`. */
  readonly appUrl: string
  /** Channel streams the extension keeps parked (the dispatch path's MaxConcurrentCount). */
  readonly channels: number
  /** When set, both processes write V8 CPU profiles under `<dir>/bare-router` and `<dir>/bare-extension` at exit. */
  readonly profileDir?: string
}

export interface BareTunnel {
  readonly frontDoorUrl: string
  /** Pids by role: `router` and `extension` (the app is the caller's). */
  processGroups(): ProcessGroups
  close(): Promise<void>
}

const ROUTER_READY = /bare-router listening: front=(http:\/\/\S+) control=(http:\/\/\S+)/
const EXTENSION_READY = /bare-extension parked \d+ channels/

export async function startBareTunnel(options: BareTunnelOptions): Promise<BareTunnel> {
  const dir = mkdtempSync(join(tmpdir(), 'ld-bench-bare-'))
  const started: ManagedProcess[] = []
  const close = async (): Promise<void> => {
    for (const process of started.splice(0).reverse()) await process.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await build({
      entryPoints: {
        'bare-router': join(options.root, 'bench/bare-tunnel/router.ts'),
        'bare-extension': join(options.root, 'bench/bare-tunnel/extension.ts'),
      },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      // undici is CommonJS; ESM output needs a require() (as in scripts/build.mjs).
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    })
    const router = await spawnReady(
      'bare-router',
      nodeCommand(join(dir, 'bare-router.mjs'), options.profileDir, 'bare-router'),
      {
        ready: ROUTER_READY,
        timeoutMs: 15_000,
      },
    )
    started.push(router.process)
    const [, frontDoorUrl, controlUrl] = router.match as RegExpExecArray
    const extension = await spawnReady(
      'bare-extension',
      nodeCommand(join(dir, 'bare-extension.mjs'), options.profileDir, 'bare-extension'),
      {
        env: {
          ...process.env,
          BARE_ROUTER_URL: controlUrl,
          BARE_APP_URL: options.appUrl,
          BARE_CHANNELS: String(options.channels),
        },
        ready: EXTENSION_READY,
        timeoutMs: 15_000,
      },
    )
    started.push(extension.process)
    await waitUntilServing(frontDoorUrl as string)
    const routerPid = router.process.pid
    const extensionPid = extension.process.pid
    return {
      frontDoorUrl: frontDoorUrl as string,
      processGroups: () => ({ router: [routerPid], extension: [extensionPid] }),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
