// Lambda's shutdown order for one environment's processes, as one function: the runtime first (SIGTERM, SIGKILL
// after its share of the time), then SHUTDOWN to the extensions, SIGKILL at the deadline, and a final SIGKILL sweep
// of every group. Owns only its two deadline timers, cleared before it returns.
import type { ProcessGroup } from './process-group.js'

// Lambda gives the runtime 30% of the shutdown time after SIGTERM before it is killed
// (aws-lambda-runtime-interface-emulator, rapid/shutdown.go: runtimeDeadlineShare).
const RUNTIME_SHUTDOWN_SHARE = 0.3

export interface ShutdownSequenceInput {
  readonly runtime: ProcessGroup | undefined
  readonly extensions: readonly ProcessGroup[]
  readonly hasRegisteredExtensions: boolean
  readonly hasShutdownSubscribers: boolean
  /** Delivers the SHUTDOWN event with its deadline (epoch ms) to the subscribed extensions. */
  readonly sendShutdown: (deadlineEpochMs: number) => void
  readonly shutdownTimeoutMs: number
  readonly now: () => number
}

/**
 * Resolves when every process of the environment has exited and every group got a final SIGKILL. Which extension
 * process registered for SHUTDOWN cannot be told apart here, so with any subscriber all extensions get the full
 * time; Lambda SIGKILLs the unsubscribed ones at once.
 */
export async function runShutdownSequence(input: ShutdownSequenceInput): Promise<void> {
  const deadlineEpochMs = input.now() + input.shutdownTimeoutMs
  if (input.runtime) {
    // With no extension registered Lambda spends no time on a graceful runtime shutdown (rapid/shutdown.go).
    if (input.hasRegisteredExtensions) await input.runtime.terminate(input.shutdownTimeoutMs * RUNTIME_SHUTDOWN_SHARE)
    else await input.runtime.kill()
  }
  if (input.hasShutdownSubscribers) {
    input.sendShutdown(deadlineEpochMs)
    await untilAllExited(input.extensions, Math.max(0, deadlineEpochMs - input.now()))
  }
  // SIGKILL every group, exited leaders included: whatever they spawned must not outlive the environment.
  const groups = input.runtime ? [...input.extensions, input.runtime] : input.extensions
  await Promise.all(groups.map((group) => group.kill()))
}

async function untilAllExited(groups: readonly ProcessGroup[], limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, limitMs)
  })
  await Promise.race([Promise.all(groups.map((group) => group.exited)), deadline])
  clearTimeout(timer)
}
