// Keeps the CDK constructs' setting names in step with the router and the extension: every environment variable the
// constructs write must be one the component reads, with the same default ports, and documented in docs/router.md.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { test } from 'node:test'
import {
  DEFAULT_APP_PORT,
  EXTENSION_ENV,
  LAYER_PATHS,
  ROUTER_DEFAULT_PORTS,
  ROUTER_DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
  ROUTER_ENV,
} from '../../deploy/cdk/lib/router-settings.js'
import { EXTENSION_DEFAULTS, EXTENSION_ENV_VARS } from '../../src/extension/config.js'
import { ROUTER_DEFAULTS, ROUTER_SETTINGS } from '../../src/router/config.js'
import { REPO_ROOT } from './dockerfile-rules.js'

test('every router variable the constructs set is one the router reads', () => {
  const read = new Set(ROUTER_SETTINGS.flatMap((setting) => setting.env))
  const unknown = Object.values(ROUTER_ENV).filter((name) => !read.has(name))
  assert.deepEqual(unknown, [])
})

test('the constructs assume the router default shutdown timeout', () => {
  assert.equal(ROUTER_DEFAULT_SHUTDOWN_TIMEOUT_SECONDS * 1000, ROUTER_DEFAULTS.shutdownTimeoutMs)
})

test('the constructs default to the router default ports', () => {
  assert.deepEqual(ROUTER_DEFAULT_PORTS, {
    frontDoorHttp: ROUTER_DEFAULTS.incomingRequestHttpPort,
    frontDoorHttps: ROUTER_DEFAULTS.incomingRequestHttpsPort,
    controlInsecureHttp2: ROUTER_DEFAULTS.controlChannelInsecureHttp2Port,
    controlTlsHttp2: ROUTER_DEFAULTS.controlChannelHttp2Port,
    admin: ROUTER_DEFAULTS.adminPort,
  })
})

test('every extension variable the Lambda construct sets is one the extension reads, with the same app port', () => {
  const read = new Set<string>(Object.values(EXTENSION_ENV_VARS))
  assert.deepEqual(
    Object.values(EXTENSION_ENV).filter((name) => !read.has(name)),
    [],
  )
  assert.equal(DEFAULT_APP_PORT, EXTENSION_DEFAULTS.appPort)
})

test('the launcher file name is the name the extension registers with (Lambda requires them to match)', () => {
  assert.equal(basename(LAYER_PATHS.launcher), EXTENSION_DEFAULTS.extensionName)
  assert.ok(existsSync(join(REPO_ROOT, 'deploy/layer/extensions', EXTENSION_DEFAULTS.extensionName)))
})

test('docs/router.md documents every router variable the constructs set', (t) => {
  const docs = join(REPO_ROOT, 'docs/router.md')
  if (!existsSync(docs)) return t.skip('docs/router.md does not exist yet')
  const text = readFileSync(docs, 'utf8')
  const keyOf = (name: string): string => name.replace(/^LAMBDA_DISPATCH_/, '')
  assert.deepEqual(
    Object.values(ROUTER_ENV).filter((name) => !text.includes(name) && !text.includes(`\`${keyOf(name)}\``)),
    [],
  )
})
