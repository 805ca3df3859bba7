// Loopback ports for tests, without the race of "bind port 0, close, hand the number out": between that close and the
// real listen another test process (or any outgoing connection) may take the port. A server in this process listens
// on port 0 and reads its port back; a port that must be known before its server starts (a child's PORT, an app the
// extension probes before it runs) stays bound by a holder here until the moment it is used.
import { once } from 'node:events'
import type { Server as HttpServer } from 'node:http'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { type AfterHookTarget, teardown } from './teardown.js'

/** Listens on an ephemeral 127.0.0.1 port and resolves with it, read back from the bound socket. */
export async function listenOnFreePort(server: Server | HttpServer): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** A loopback port this process keeps bound until `handOver` or the end of the test. */
export interface HeldPort {
  readonly port: number
  /** Whether the holder still has the port. */
  readonly held: boolean
  /**
   * Closes the holder and calls `use(port)` in the same turn (e.g. `server.listen(port, '127.0.0.1')`), so nothing
   * can take the port in between. Returns what `use` returned.
   */
  handOver<T>(use: (port: number) => T): T
}

/**
 * Binds a 127.0.0.1 port and holds it. While held nothing answers there: every connection is reset as soon as it is
 * accepted, so a client sees it fail as it would with no server, and no other process can bind the port. Released at
 * the latest by the test's teardown.
 */
export async function holdPort(t: AfterHookTarget): Promise<HeldPort> {
  const holder = createServer((socket) => socket.resetAndDestroy())
  const port = await listenOnFreePort(holder)
  const release = (): void => {
    if (holder.listening) holder.close()
  }
  teardown(t)(release)
  return {
    port,
    get held() {
      return holder.listening
    },
    handOver(use) {
      if (!holder.listening) throw new Error(`port ${port} was already handed over`)
      release()
      return use(port)
    },
  }
}
