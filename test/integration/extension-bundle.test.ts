// Issue 4 §9: the bundled dist/extension.js, laid out as the Lambda layer (/opt/extensions/lambda-dispatch launcher,
// /opt/lambda-dispatch/extension.js) with no node_modules anywhere near it, registers and tunnels requests.
import assert from 'node:assert/strict'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { startHarness } from '../helpers/extension-harness.js'
import { teardown } from '../helpers/teardown.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BUNDLE = join(ROOT, 'dist/extension.js')
const LAUNCHER = join(ROOT, 'deploy/layer/extensions/lambda-dispatch')
const missing = !existsSync(BUNDLE)
  ? 'dist/extension.js is not built (npm run build runs before the tests)'
  : !existsSync(LAUNCHER)
    ? 'deploy/layer/extensions/lambda-dispatch is missing'
    : false

test('the bundled extension runs from a layer layout through its launcher', { skip: missing }, async (t) => {
  const defer = teardown(t)
  const opt = mkdtempSync(join(tmpdir(), 'ld-extension-layer-'))
  defer(() => rmSync(opt, { recursive: true, force: true }))
  mkdirSync(join(opt, 'extensions'))
  mkdirSync(join(opt, 'lambda-dispatch'))
  copyFileSync(LAUNCHER, join(opt, 'extensions/lambda-dispatch'))
  chmodSync(join(opt, 'extensions/lambda-dispatch'), 0o755)
  copyFileSync(BUNDLE, join(opt, 'lambda-dispatch/extension.js'))
  writeFileSync(join(opt, 'lambda-dispatch/package.json'), '{"type":"module"}\n')

  const harness = await startHarness(t, {
    command: [join(opt, 'extensions/lambda-dispatch')],
    env: { LAMBDA_DISPATCH_NODE: process.execPath, LAMBDA_DISPATCH_LAST_ACTIVE_GRACE_PERIOD_MS: '60000' },
  })
  assert.equal((await harness.runtime.registration).name, 'lambda-dispatch')
  const invoke = harness.invoke({ id: 'lambda-bundled', numberOfChannels: 1 })
  const result = await harness.router.request({ method: 'GET', target: '/ping' })
  assert.equal(result.body.toString(), 'pong')
  await harness.router.waitForParked(1)
  await harness.router.goawayParked()
  const answer = await invoke
  assert.equal(answer.kind, 'response')
  assert.equal(answer.body.ExitReason, 'RouterGoAway')
  harness.runtime.sendShutdown()
  assert.equal((await harness.extension.exited).code, 0)
})
