// Pure. How many instances `lambda-dispatch local` lets a pool run by default, from the machine it runs on. No I/O:
// the command passes the CPU count in.

/**
 * On one machine every execution environment is two processes (the app and the extension) that share the CPUs with
 * the router and the load. Issue 12 measured the cloud default (20) on 2 cores: 40 busy processes, connect-backs of
 * up to 10 s, a tripped breaker, and a third of the throughput of one instance. So: one instance per two CPUs, at
 * least one, at most the router's own default of 20.
 */
export function localMaxInstances(cpuCount: number): number {
  return Math.min(LOCAL_MAX_INSTANCES_CEILING, Math.max(1, Math.floor(cpuCount / 2)))
}

const LOCAL_MAX_INSTANCES_CEILING = 20

/** Instances `lambda-dispatch local` keeps warm by default, so a newcomer's first requests skip the cold start. */
export const LOCAL_MIN_INSTANCES = 1
