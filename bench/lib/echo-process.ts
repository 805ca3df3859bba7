// The large-body echo client in a process of its own: the benchmark's process also hosts the local Lambda service,
// whose work would otherwise be billed to (and slow) the client. Forked from this file; the parent asks for a warm-up
// on one URL, then starts its meters and asks for the measured echoes. Owns one child process until close().
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { bodyBlock, postEcho } from './echo-client.js'

const CLIENT_ROLE = 'LD_BENCH_ECHO_CLIENT'

/** What to echo: `bodyBytes` per POST, for `warmupS` seconds unmeasured (at least once), then `repetitions` timed. */
export interface EchoPlan {
  readonly url: string
  readonly bodyBytes: number
  readonly warmupS: number
  readonly repetitions: number
}

export interface EchoRun {
  /** Seconds from the first byte sent to the last byte echoed, one per repetition that echoed every byte intact. */
  readonly seconds: number[]
  readonly failures: number
  /** The last failure's reason. */
  readonly failure?: string
  /** The client's CPU over the timed repetitions, in microseconds. */
  readonly clientCpuUs: number
}

type ToClient = { readonly kind: 'warm'; readonly plan: EchoPlan } | { readonly kind: 'measure' }
type FromClient = { readonly kind: 'warmed' } | ({ readonly kind: 'measured' } & EchoRun)

export class EchoClientProcess {
  readonly #child: ChildProcess

  private constructor(child: ChildProcess) {
    this.#child = child
  }

  static start(): EchoClientProcess {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, [CLIENT_ROLE]: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    return new EchoClientProcess(child)
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** Warms up, calls `beforeMeasured` (start the meters there), then times the echoes. */
  async run(plan: EchoPlan, beforeMeasured: () => void): Promise<EchoRun> {
    this.#send({ kind: 'warm', plan })
    await this.#next('warmed')
    beforeMeasured()
    this.#send({ kind: 'measure' })
    const { kind: _, ...run } = (await this.#next('measured')) as Extract<FromClient, { kind: 'measured' }>
    return run
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return
    const exited = once(this.#child, 'exit')
    this.#child.kill()
    await exited
  }

  #send(message: ToClient): void {
    this.#child.send(message)
  }

  async #next(kind: FromClient['kind']): Promise<FromClient> {
    // Both waits stop listening once either is settled: a listener left behind per call would pile up on the child.
    const settled = new AbortController()
    try {
      const exited = once(this.#child, 'exit', { signal: settled.signal }).then(([code, signal]) => {
        throw new Error(`the echo client exited (${signal ?? code}) while the benchmark waited for '${kind}'`)
      })
      const [message] = (await Promise.race([once(this.#child, 'message', { signal: settled.signal }), exited])) as [
        FromClient,
      ]
      if (message.kind !== kind) throw new Error(`the echo client said '${message.kind}', not '${kind}'`)
      return message
    } finally {
      settled.abort()
    }
  }
}

// The child: one plan at a time, in the order the parent asks.
function serveEchoes(): void {
  const block = bodyBlock()
  let plan: EchoPlan | undefined
  const echoOnce = async (current: EchoPlan): Promise<{ seconds: number } | { failure: string }> => {
    try {
      const result = await postEcho(current.url, block, current.bodyBytes)
      if (result.status === 200 && result.receivedBytes === current.bodyBytes && result.intact) {
        return { seconds: result.seconds }
      }
      const integrity = result.intact ? 'intact' : 'corrupted'
      return { failure: `status ${result.status}, ${result.receivedBytes} bytes, ${integrity}` }
    } catch (error) {
      return { failure: (error as Error).message }
    }
  }
  const reply = (message: FromClient): void => {
    process.send?.(message)
  }
  process.on('message', async (message: ToClient) => {
    if (message.kind === 'warm') {
      plan = message.plan
      const warmUntil = performance.now() + plan.warmupS * 1000
      do await echoOnce(plan)
      while (performance.now() < warmUntil)
      reply({ kind: 'warmed' })
      return
    }
    if (plan === undefined) return
    const before = process.cpuUsage()
    const seconds: number[] = []
    let failures = 0
    let failure: string | undefined
    for (let round = 0; round < plan.repetitions; round++) {
      const outcome = await echoOnce(plan)
      if ('seconds' in outcome) seconds.push(outcome.seconds)
      else {
        failures++
        failure = outcome.failure
      }
    }
    const used = process.cpuUsage(before)
    reply({
      kind: 'measured',
      seconds,
      failures,
      ...(failure === undefined ? {} : { failure }),
      clientCpuUs: used.user + used.system,
    })
  })
  // The parent went away: nothing more will be asked.
  process.once('disconnect', () => process.exit(0))
}

if (process.env[CLIENT_ROLE] === '1') serveEchoes()
