// The orphan reaper's stdin commands: `+pgid` watches a process group, `-pgid` forgets it, anything else is ignored,
// and no line can name init or "every process". The reaper runs the parser from its source text, so that text must
// work on its own. (The reaper's process wiring is covered by test/integration/local-owner-killed-leaves-no-process.)
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import {
  formatReaperCommand,
  parseReaperCommand,
  type ReaperCommand,
} from '../../../../src/local/environment/orphan-reaper.js'

const cases: { name: string; line: string; command: ReaperCommand | undefined }[] = [
  { name: 'a watch', line: '+4321', command: { kind: 'watch', pgid: 4321 } },
  { name: 'a forget', line: '-4321', command: { kind: 'forget', pgid: 4321 } },
  { name: 'the smallest group id', line: '+2', command: { kind: 'watch', pgid: 2 } },
  { name: 'init', line: '+1', command: undefined },
  { name: 'zero (this process group)', line: '+0', command: undefined },
  { name: 'a negative id (kill(-(-1)) would be kill(1))', line: '+-1', command: undefined },
  { name: 'a leading zero', line: '+012', command: undefined },
  { name: 'no sign', line: '4321', command: undefined },
  { name: 'surrounding space', line: ' +4321', command: undefined },
  { name: 'trailing text', line: '+4321x', command: undefined },
  { name: 'an id longer than any pid', line: '+12345678901', command: undefined },
  { name: 'an empty line', line: '', command: undefined },
]

for (const row of cases) {
  test(`parseReaperCommand: ${row.name}`, () => {
    assert.deepEqual(parseReaperCommand(row.line), row.command)
  })
}

test('every formatted command parses back to itself', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('watch' as const, 'forget' as const),
      fc.integer({ min: 2, max: 2 ** 22 }),
      (kind, pgid) => {
        const line = formatReaperCommand({ kind, pgid })
        assert.ok(line.endsWith('\n'))
        assert.deepEqual(parseReaperCommand(line.slice(0, -1)), { kind, pgid })
      },
    ),
  )
})

test('the parser works from its source text alone, as the reaper runs it', () => {
  const standalone = new Function(`return (${parseReaperCommand.toString()})`)() as typeof parseReaperCommand
  for (const row of cases) assert.deepEqual(standalone(row.line), row.command, row.name)
})
