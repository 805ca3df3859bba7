// ProcessGroup with real children: signals reach the whole group, terminate escalates to SIGKILL, spawn failures
// resolve instead of throwing.
import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { createRootLogger } from '../../../../src/common/index.js'
import { ProcessGroup } from '../../../../src/local/environment/process-group.js'
import { isGone, untilGone, untilProcessState } from '../../../helpers/local-lambda.js'

interface Started {
  readonly child: ProcessGroup
  /** Resolves with the child's first output line: its signal handlers are installed by then. */
  readonly firstLine: Promise<string>
}

function start(argv: string[]): Started {
  const lines = new PassThrough()
  const firstLine = new Promise<string>((resolve) => {
    lines.once('data', (chunk: Buffer) =>
      resolve((JSON.parse(chunk.toString().split('\n')[0] as string) as { msg: string }).msg),
    )
  })
  const child = new ProcessGroup({
    name: 'test',
    argv,
    env: { PATH: process.env.PATH ?? '' },
    cwd: process.cwd(),
    output: 'log',
    logger: createRootLogger({ level: 'info', destination: lines }),
  })
  return { child, firstLine }
}

const NODE_AWAITING_SIGTERM = (onTerm: string): string[] => [
  process.execPath,
  '-e',
  `process.on('SIGTERM', () => { ${onTerm} }); setInterval(() => {}, 1000); console.log('up')`,
]

test('kill() reaches a grandchild in the same group, not only the leader', async (t) => {
  // The shell starts a background sleep, prints its pid and waits: the sleep is the grandchild.
  const { child, firstLine } = start(['/bin/sh', '-c', 'sleep 600 & echo $!; wait'])
  t.after(() => child.killSync())
  const grandchild = Number(await firstLine)
  assert.ok(grandchild > 0)
  const exit = await child.kill()
  assert.equal(exit.signal, 'SIGKILL')
  assert.ok(isGone(child.pid as number))
  await untilGone(grandchild)
})

test('terminate() sends SIGTERM first and a process that handles it exits on its own', async () => {
  const { child, firstLine } = start(NODE_AWAITING_SIGTERM('process.exit(7)'))
  assert.equal(await firstLine, 'up')
  assert.deepEqual(await child.terminate(10_000), { exitCode: 7, signal: null })
})

test('terminate() escalates to SIGKILL when SIGTERM is ignored for the grace period', async () => {
  const { child, firstLine } = start(NODE_AWAITING_SIGTERM(''))
  await firstLine
  assert.equal((await child.terminate(100)).signal, 'SIGKILL')
})

test('a stopped group is continued before SIGTERM, so terminate() still ends it gracefully', async () => {
  const { child, firstLine } = start(NODE_AWAITING_SIGTERM('process.exit(0)'))
  await firstLine
  child.signal('SIGSTOP')
  await untilProcessState(child.pid as number, 'T')
  assert.deepEqual(await child.terminate(10_000), { exitCode: 0, signal: null })
})

test('a command that does not exist resolves exited with the spawn error', async () => {
  const { child } = start(['/nonexistent/command'])
  const exit = await child.exited
  assert.equal(child.pid, undefined)
  assert.equal((exit.spawnError as NodeJS.ErrnoException).code, 'ENOENT')
  child.signal('SIGKILL')
})

test('signal() on a group that is gone is a no-op', async () => {
  const { child } = start(['/bin/true'])
  await child.exited
  child.signal('SIGTERM')
  assert.ok(isGone(child.pid as number))
})

// Issue 14: an app that crashes at start is explained by its own last words.
test('the group keeps the last three lines of stderr, in order, for the exit explanation', async () => {
  const lines = new PassThrough()
  const child = new ProcessGroup({
    name: 'runtime',
    argv: ['/bin/sh', '-c', 'echo out; for i in 1 2 3 4; do echo "line $i" >&2; done; exit 3'],
    env: { PATH: process.env.PATH ?? '' },
    cwd: process.cwd(),
    output: 'log',
    logger: createRootLogger({ level: 'info', destination: lines }),
  })
  const exit = await child.exited
  assert.equal(exit.exitCode, 3)
  assert.deepEqual(child.stderrTail, ['line 2', 'line 3', 'line 4'])
})

test("a pino JSON line from a child keeps its level and message in the owner's log", async () => {
  const lines = new PassThrough()
  const entries: Array<{ level: string; msg: string; process: string; code?: string }> = []
  lines.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) entries.push(JSON.parse(line))
  })
  const child = new ProcessGroup({
    name: 'extension-0',
    argv: [process.execPath, '-e', 'console.log(JSON.stringify({ level: 50, msg: "app not ready", code: "X" }))'],
    env: { PATH: process.env.PATH ?? '' },
    cwd: process.cwd(),
    output: 'log',
    logger: createRootLogger({ level: 'warn', destination: lines }),
  })
  await child.exited
  assert.deepEqual(
    entries.map((entry) => ({ level: entry.level, msg: entry.msg, process: entry.process, code: entry.code })),
    [{ level: 'error', msg: 'app not ready', process: 'extension-0', code: 'X' }],
  )
})
