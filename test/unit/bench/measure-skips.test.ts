// A cell that cannot run says why and starts nothing: not applicable, a missing tool, a path that did not start.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildCells } from '../../../bench/lib/cells.js'
import { measureCell } from '../../../bench/lib/measure.js'
import type { PathTarget } from '../../../bench/lib/paths.js'

const TOOLS = { wrk: undefined, h2load: undefined, wrkScript: '/nowhere.lua', tmpDir: '/nowhere' }
const TIMING = { durationS: 1, warmupS: 0 }
const TARGET: PathTarget = {
  name: 'dispatch',
  urls: { h1: 'http://127.0.0.1:1', h2c: 'http://127.0.0.1:1' },
  groups: () => ({}),
}

test('each reason a cell is skipped is reported in its result', async () => {
  const [h1, h2c] = buildCells({ routes: ['ping'], concurrencies: [10], paths: ['dispatch'] })
  const [directH2c] = buildCells({ routes: ['ping'], protocols: ['h2c'], concurrencies: [10], paths: ['direct'] })
  const cases = [
    {
      cell: h1,
      target: TARGET,
      unavailable: undefined,
      reason: /wrk is not installed \(Debian: apt-get install wrk\)/,
    },
    { cell: h2c, target: TARGET, unavailable: undefined, reason: /h2load is not installed .*nghttp2-client/ },
    {
      cell: directH2c,
      target: undefined,
      unavailable: undefined,
      reason: /not applicable: the demo app speaks HTTP\/1\.1/,
    },
    { cell: h1, target: undefined, unavailable: 'nginx is not installed', reason: /^nginx is not installed$/ },
    { cell: h1, target: undefined, unavailable: undefined, reason: /path not started/ },
  ]
  for (const row of cases) {
    if (row.cell === undefined) throw new Error('no cell')
    const result = await measureCell(row.cell, row.target, row.unavailable, TOOLS, TIMING)
    assert.equal(result.status, 'skipped', row.cell.id)
    assert.match(result.reason ?? '', row.reason, row.cell.id)
    assert.equal(result.load, undefined)
  }
})
