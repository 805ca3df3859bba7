// Issue 12 item 2: `lambda-dispatch local` sizes the default MaxInstances to the machine (one instance, two processes,
// per two CPUs), keeps one instance warm, and says what it chose in its banner, which prints the router's own values;
// `--router-setting MaxInstances=N` (and MinInstances=N) win and the banner says so.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { test } from 'node:test'
import { localMaxInstances } from '../../src/cli/machine-size.js'
import { startLocalCommand } from '../helpers/local-command.js'

async function bannerOf(t: { after(fn: () => Promise<void>): void }, args: readonly string[]): Promise<string> {
  const { child, banner } = await startLocalCommand(args)
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  })
  return banner
}

test('local sizes MaxInstances to the machine and says so in its banner', async (t) => {
  const cpus = availableParallelism()
  const banner = await bannerOf(t, [])
  assert.match(
    banner,
    new RegExp(
      `^ {2}Instances {2}1 kept warm, at most ${localMaxInstances(cpus)} per pool \\(sized to this machine: ${cpus} CPUs, one instance per 2; --router-setting MaxInstances=N to change\\)$`,
      'm',
    ),
  )
})

test('--router-setting MaxInstances=N and MinInstances=N win over the defaults, in any letter case', async (t) => {
  const banner = await bannerOf(t, ['--router-setting', 'maxinstances=7', '--router-setting', 'MININSTANCES=0'])
  assert.match(banner, /^ {2}Instances {2}0 kept warm, at most 7 per pool \(from --router-setting MaxInstances\)$/m)
})
