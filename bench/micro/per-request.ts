// What the request microbenchmarks (bench/micro/*-request.ts) print: this process's CPU and allocation per request
// while another process drives `requests` requests through it. CPU from process.cpuUsage (user and system); bytes
// allocated from v8.GCProfiler (heap growth between collections plus what each one freed), so it does not depend on
// how busy the machine is.

import { GCProfiler, getHeapStatistics } from 'node:v8'

/** Runs `drive(requests)` twice and describes each run per request, as `<label> (<requests> requests, …)`. */
export async function measurePerRequest(
  requests: number,
  label: string,
  drive: (count: number) => Promise<unknown>,
): Promise<string> {
  const results: string[] = []
  for (let run = 0; run < 2; run++) {
    const profiler = new GCProfiler()
    const usedBefore = getHeapStatistics().used_heap_size
    profiler.start()
    const cpu = process.cpuUsage()
    await drive(requests)
    const used = process.cpuUsage(cpu)
    const usedAfter = getHeapStatistics().used_heap_size
    const gc = profiler.stop()
    let freed = 0
    let pauseUs = 0
    const kinds = new Map<string, number>()
    for (const event of gc.statistics) {
      freed += event.beforeGC.heapStatistics.usedHeapSize - event.afterGC.heapStatistics.usedHeapSize
      pauseUs += event.cost
      kinds.set(event.gcType, (kinds.get(event.gcType) ?? 0) + 1)
    }
    const allocated = usedAfter - usedBefore + freed
    results.push(
      `${(used.user / requests).toFixed(1)} µs user + ${(used.system / requests).toFixed(1)} µs system, ` +
        `${Math.round(allocated / requests)} bytes allocated, ${(pauseUs / requests).toFixed(1)} µs in ` +
        `${gc.statistics.length} collections (${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(', ')})`,
    )
  }
  return `per request (${label}):\n  ${results.join('\n  ')}\n`
}
