// The soak's reading of /proc/<pid>/stat for the CPU its exited children used (tools/soak/system.ts; issue 17).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseChildCpuMs } from '../../../tools/soak/system.js'

// Fields 14–17 are utime, stime, cutime, cstime in 1/100 s.
const stat = (comm: string, cutime: string, cstime: string): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194304 96 0 0 0 700 300 ${cutime} ${cstime} 20 0 1 0 235803 3133440 362`

const cases: { name: string; text: string; expectMs: number | undefined }[] = [
  { name: 'children user and system time are added, in ms', text: stat('node', '1234', '56'), expectMs: 12_900 },
  { name: 'no exited children is 0', text: stat('node', '0', '0'), expectMs: 0 },
  {
    name: 'a command name with spaces and parentheses does not shift the fields',
    text: stat('a (b) c', '10', '5'),
    expectMs: 150,
  },
  { name: 'text without a command name is refused', text: '4242 node S 1', expectMs: undefined },
  {
    name: 'a line cut before cstime is refused',
    text: '4242 (node) S 1 4242 4242 0 -1 0 0 0 0 0 1 1 5',
    expectMs: undefined,
  },
]
for (const row of cases) {
  test(`parseChildCpuMs: ${row.name}`, () => {
    assert.equal(parseChildCpuMs(row.text), row.expectMs)
  })
}
