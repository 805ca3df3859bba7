// Starts the paths a benchmark compares: the app on its own (direct), nginx in front of it, the bare tunnel in front
// of it, and the dispatch stack. Each comes with the URLs to load and the pids to meter. close() stops everything that was started.
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBareTunnel } from './bare-tunnel.js'
import type { PathName, Protocol } from './cells.js'
import { type DispatchStack, startDispatchStack, waitUntilServing } from './dispatch-stack.js'
import { renderNginxConfig } from './nginx-config.js'
import { childPids } from './proc.js'
import { type ManagedProcess, spawnReady } from './processes.js'
import type { ProcessGroups } from './resource-meter.js'

/** One path as the cells see it. */
export interface PathTarget {
  readonly name: PathName
  /** Base URL per protocol; a protocol without one is not applicable to this path. */
  readonly urls: Partial<Record<Protocol, string>>
  /** The processes to meter, read again before every cell (environments may change). */
  groups(): ProcessGroups
}

export interface StartedPaths {
  readonly targets: Partial<Record<PathName, PathTarget>>
  /** Why a path could not start (a missing tool), by path. */
  readonly unavailable: Partial<Record<PathName, string>>
  readonly dispatch: DispatchStack | undefined
  close(): Promise<void>
}

export interface PathOptions {
  readonly root: string
  readonly nginxPath: string | undefined
  readonly paths: readonly PathName[]
  /**
   * Dispatch: environments (fixed: MinInstances = MaxInstances) and requests each serves at once; the bare tunnel
   * parks `maxConcurrentCount` channels.
   */
  readonly instances: number
  readonly maxConcurrentCount: number
  readonly profileDir?: string
}

const APP_READY = /demo-app listening on (http:\/\/\S+)/

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export async function startPaths(options: PathOptions): Promise<StartedPaths> {
  const stops: Array<() => Promise<void>> = []
  const close = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined)
  }
  const targets: Partial<Record<PathName, PathTarget>> = {}
  const unavailable: Partial<Record<PathName, string>> = {}
  let dispatch: DispatchStack | undefined
  try {
    const wantsApp = options.paths.some((path) => path === 'direct' || path === 'nginx' || path === 'bare')
    let app: ManagedProcess | undefined
    let appUrl: string | undefined
    if (wantsApp) {
      const profile =
        options.profileDir === undefined
          ? []
          : ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, 'app-direct')}`]
      const started = await spawnReady('app', [process.execPath, ...profile, join(options.root, 'dist/demo-app.js')], {
        env: { ...process.env, PORT: '0' },
        ready: APP_READY,
        timeoutMs: 15_000,
      })
      app = started.process
      appUrl = started.match?.[1] as string
      const appProcess = app
      stops.push(() => appProcess.stop())
      if (options.paths.includes('direct')) {
        targets.direct = { name: 'direct', urls: { h1: appUrl }, groups: () => ({ app: [appProcess.pid] }) }
      }
    }
    if (options.paths.includes('nginx') && app && appUrl) {
      if (options.nginxPath === undefined) {
        unavailable.nginx = 'nginx is not installed (Debian: apt-get install nginx-light)'
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'ld-bench-nginx-'))
        stops.push(async () => rmSync(dir, { recursive: true, force: true }))
        const h1Port = await freePort()
        const h2cPort = await freePort()
        const config = join(dir, 'nginx.conf')
        writeFileSync(config, renderNginxConfig({ dir, appPort: Number(new URL(appUrl).port), h1Port, h2cPort }))
        const started = await spawnReady(
          'nginx',
          [options.nginxPath, '-p', dir, '-c', config, '-e', join(dir, 'error.log')],
          {
            ready: undefined,
            timeoutMs: 10_000,
          },
        )
        const nginx = started.process
        stops.push(() => nginx.stop())
        const h1 = `http://127.0.0.1:${h1Port}`
        // nginx prints nothing when it is ready; a bad configuration makes it exit at once, with the reason in its log.
        const exited = once(nginx.child, 'exit').then(() => {
          throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8').trim()}`)
        })
        exited.catch(() => undefined)
        await Promise.race([waitUntilServing(h1), exited])
        const appProcess = app
        targets.nginx = {
          name: 'nginx',
          urls: { h1, h2c: `http://127.0.0.1:${h2cPort}` },
          groups: () => ({ nginx: [nginx.pid, ...childPids(nginx.pid)], app: [appProcess.pid] }),
        }
      }
    }
    if (options.paths.includes('bare') && app && appUrl) {
      const bare = await startBareTunnel({
        root: options.root,
        appUrl,
        channels: options.maxConcurrentCount,
        ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }),
      })
      stops.push(() => bare.close())
      const appProcess = app
      targets.bare = {
        name: 'bare',
        urls: { h1: bare.frontDoorUrl },
        groups: () => ({ ...bare.processGroups(), app: [appProcess.pid] }),
      }
    }
    if (options.paths.includes('dispatch')) {
      const stack = await startDispatchStack({
        root: options.root,
        routerSettings: {
          MinInstances: String(options.instances),
          MaxInstances: String(options.instances),
          MaxConcurrentCount: String(options.maxConcurrentCount),
        },
        concurrencyLimit: options.instances * 2,
        warmEnvironments: options.instances,
        ...(options.profileDir === undefined ? {} : { profileDir: options.profileDir }),
      })
      dispatch = stack
      stops.push(() => stack.close())
      targets.dispatch = {
        name: 'dispatch',
        urls: { h1: stack.frontDoorUrl, h2c: stack.frontDoorUrl },
        groups: () => stack.processGroups(),
      }
    }
  } catch (error) {
    await close()
    throw error
  }
  return { targets, unavailable, dispatch, close }
}
