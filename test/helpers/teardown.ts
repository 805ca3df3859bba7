// Test teardown that runs last-in first-out, like a try/finally stack or Go's t.Cleanup. node:test runs t.after()
// hooks first-in first-out, so "remove the profile directory" registered before "close the browser" would run while
// the browser still writes there, and once one hook throws node:test skips the hooks after it, so a child process
// whose kill was registered later lives on. Every cleanup here runs even when another throws; all failures are
// reported. Helpers that take the test's context register through `teardown(t)` too: every call with the same
// context pushes onto one stack, so what a test starts after a helper's server is stopped before that server.

/** What a teardown registers its one hook on: a TestContext, a SuiteContext's `after`, or `{ after }` from node:test. */
export interface AfterHookTarget {
  after(fn: () => unknown): unknown
}

/** A cleanup: sync or async. Its failure is collected, never stops the cleanups registered before it. */
export type Cleanup = () => unknown

/** Thrown by the teardown hook when more than one cleanup failed; `errors` holds each, in the order they ran. */
export class TeardownErrors extends AggregateError {
  constructor(errors: unknown[]) {
    super(errors, `${errors.length} cleanups failed: ${errors.map(describe).join('; ')}`)
    this.name = 'TeardownErrors'
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// One stack per hook target, so a test and the helpers it calls share one order. Keyed weakly by the context, it
// lives exactly as long as the test does.
const stacks = new WeakMap<AfterHookTarget, Cleanup[]>()

/**
 * Returns `defer(cleanup)`. Cleanups run in reverse order of registration, one at a time (each awaited), in a single
 * `after` hook registered by the first call for `target`; later calls with the same target add to the same stack. A
 * failing cleanup does not stop the rest: one failure is rethrown as itself, several as `TeardownErrors`, so the test
 * fails and names every one. For a suite, pass one `{ after }` object to every call, not a fresh literal each time.
 */
export function teardown(target: AfterHookTarget): (cleanup: Cleanup) => void {
  let cleanups = stacks.get(target)
  if (cleanups === undefined) {
    const created: Cleanup[] = []
    target.after(() => runLastInFirstOut(created))
    stacks.set(target, created)
    cleanups = created
  }
  const stack = cleanups
  return (cleanup) => {
    stack.push(cleanup)
  }
}

/** Runs and empties `cleanups` from the last to the first; rejects with every failure after all have run. */
export async function runLastInFirstOut(cleanups: Cleanup[]): Promise<void> {
  const errors: unknown[] = []
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as Cleanup
    try {
      await cleanup()
    } catch (error) {
      errors.push(error)
    }
  }
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) throw new TeardownErrors(errors)
}
