// The Lambda layer zip (issue 9): `npm run package:layer` output unzipped with Debian's unzip, its layout and run bits,
// the launcher's and exec wrapper's behaviour, and the unzipped layer run for real against the local Lambda service:
// the launcher registers with the Extensions API and an InitOnly invoke returns SelfInitOnly.
import assert from 'node:assert/strict'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { EXTENSION_NODE_FLAGS } from '../../src/extension/index.js'
import { invokeJson, lambdaClient, nextEvent, startTestLambda } from '../helpers/local-lambda.js'
import { packageLayer, REPO_ROOT, runTool as run, unzipLayer } from '../helpers/package-layer.js'

const LAUNCHER = 'extensions/lambda-dispatch'
const WRAPPER = 'lambda-dispatch/exec-wrapper'
const BUNDLE = 'lambda-dispatch/extension.js'

let work = ''
let zipPath = ''
let layerRoot = ''
/** Why the layer could not be packaged here (no extension entry point, no zip/unzip); undefined when it was. */
let unavailable: string | undefined

before(() => {
  // Outside the repository, so nothing in the unzipped layer can resolve the repository's node_modules.
  work = mkdtempSync(join(tmpdir(), 'layer-test-'))
  if (!existsSync(join(REPO_ROOT, 'src/extension/main.ts'))) {
    unavailable = 'src/extension/main.ts does not exist yet, so there is no extension to package'
    return
  }
  for (const tool of ['zip', 'unzip']) {
    if (run(tool, ['-v']).error)
      unavailable = `the ${tool} tool is not installed (apt-get install ${tool}; .ci/run does)`
  }
  if (unavailable) return
  zipPath = join(work, 'lambda-dispatch-layer.zip')
  const packaged = packageLayer(zipPath)
  assert.equal(packaged.status, 0, `npm run package:layer failed:\n${packaged.stdout}${packaged.stderr}`)
  layerRoot = join(work, 'opt')
  const unzipped = unzipLayer(zipPath, layerRoot)
  assert.equal(unzipped.status, 0, unzipped.stderr)
})

after(() => rmSync(work, { recursive: true, force: true }))

test('the zip holds the launcher, the bundle (and its map and licence notices), its package.json and the exec wrapper, nothing else', (t) => {
  if (unavailable) return t.skip(unavailable)
  const listing = run('unzip', ['-Z1', zipPath])
  assert.equal(listing.status, 0, listing.stderr)
  const expected = ['extensions/', LAUNCHER, 'lambda-dispatch/', BUNDLE, 'lambda-dispatch/package.json', WRAPPER]
  if (existsSync(join(REPO_ROOT, 'dist/extension.js.map'))) expected.push(`${BUNDLE}.map`)
  if (existsSync(join(REPO_ROOT, 'dist/extension.js.LEGAL.txt'))) expected.push(`${BUNDLE}.LEGAL.txt`)
  assert.deepEqual(listing.stdout.trim().split('\n').sort(), expected.sort())
  assert.deepEqual(readFileSync(join(layerRoot, BUNDLE)), readFileSync(join(REPO_ROOT, 'dist/extension.js')))
  assert.deepEqual(JSON.parse(readFileSync(join(layerRoot, 'lambda-dispatch/package.json'), 'utf8')), {
    type: 'module',
  })
})

test('the launcher and the exec wrapper carry mode 0755 in the zip and after unzip; the rest is 0644', (t) => {
  if (unavailable) return t.skip(unavailable)
  const long = run('unzip', ['-Z', zipPath]).stdout
  const modeOf = (name: string): string | undefined =>
    long
      .split('\n')
      .find((line) => line.trim().endsWith(` ${name}`))
      ?.split(/\s+/)[0]
  assert.equal(modeOf(LAUNCHER), '-rwxr-xr-x')
  assert.equal(modeOf(WRAPPER), '-rwxr-xr-x')
  assert.equal(modeOf(BUNDLE), '-rw-r--r--')
  assert.equal(modeOf('lambda-dispatch/package.json'), '-rw-r--r--')
  assert.equal(statSync(join(layerRoot, LAUNCHER)).mode & 0o777, 0o755)
  assert.equal(statSync(join(layerRoot, WRAPPER)).mode & 0o777, 0o755)
  assert.equal(statSync(join(layerRoot, BUNDLE)).mode & 0o777, 0o644)
})

test('packaging twice gives a byte-identical zip, so an unchanged layer keeps its hash', (t) => {
  if (unavailable) return t.skip(unavailable)
  const second = join(work, 'again.zip')
  const packaged = packageLayer(second)
  assert.equal(packaged.status, 0, packaged.stderr)
  assert.deepEqual(readFileSync(second), readFileSync(zipPath))
})

test('the shell scripts pass shellcheck as POSIX sh (when shellcheck is installed)', (t) => {
  if (run('shellcheck', ['--version']).error) return t.skip('shellcheck is not installed (.ci/run installs it)')
  const checked = run('shellcheck', [
    '-s',
    'sh',
    join(REPO_ROOT, 'deploy/layer', LAUNCHER),
    join(REPO_ROOT, 'deploy/layer', WRAPPER),
  ])
  assert.equal(checked.status, 0, checked.stdout)
})

/** A copy of the unzipped layer's launcher in a fresh tree, for the failure cases. */
function launcherTree(withBundle: boolean): string {
  const root = mkdtempSync(join(work, 'tree-'))
  mkdirSync(join(root, 'extensions'))
  mkdirSync(join(root, 'lambda-dispatch'))
  copyFileSync(join(REPO_ROOT, 'deploy/layer', LAUNCHER), join(root, LAUNCHER))
  chmodSync(join(root, LAUNCHER), 0o755)
  if (withBundle)
    writeFileSync(join(root, BUNDLE), "process.stdout.write('bundle ran with ' + process.argv.slice(2))\n")
  return root
}

test('the launcher fails with a clear message and exit 127 when no Node can be found', (t) => {
  if (['/var/lang/bin/node', '/opt/bin/node', '/opt/nodejs/bin/node'].some(existsSync)) {
    return t.skip('this machine has a Node at a path the launcher always tries')
  }
  const root = launcherTree(true)
  const emptyPath = mkdtempSync(join(work, 'empty-path-'))
  const result = run(join(root, LAUNCHER), [], { env: { PATH: emptyPath } })
  assert.equal(result.status, 127)
  assert.match(
    result.stderr,
    /lambda-dispatch: no Node\.js found .*Use the self-contained layer .* or a Node\.js 20\+ runtime/,
  )
})

test('the launcher runs the bundle beside it with LAMBDA_DISPATCH_NODE, and refuses a bad one', () => {
  const root = launcherTree(true)
  const ok = run(join(root, LAUNCHER), ['x'], { env: { PATH: '/nonexistent', LAMBDA_DISPATCH_NODE: process.execPath } })
  assert.equal(ok.status, 0, ok.stderr)
  assert.equal(ok.stdout, 'bundle ran with x')
  const bad = run(join(root, LAUNCHER), [], { env: { PATH: '/nonexistent', LAMBDA_DISPATCH_NODE: '/no/such/node' } })
  assert.equal(bad.status, 1)
  assert.match(bad.stderr, /LAMBDA_DISPATCH_NODE=\/no\/such\/node is not an executable file/)
})

/** An executable shell script at `path` standing in for node: it prints its arguments. */
function fakeNode(path: string): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, '#!/bin/sh\necho "layer node ran $*"\n')
  chmodSync(path, 0o755)
}

test("the launcher prefers the self-contained layer's own Node to the one on PATH; LAMBDA_DISPATCH_NODE still wins", () => {
  const root = launcherTree(true)
  fakeNode(join(root, 'lambda-dispatch/node/bin/node'))
  const path = dirname(process.execPath)
  const preferred = run(join(root, LAUNCHER), ['x'], { env: { PATH: path } })
  assert.equal(preferred.status, 0, preferred.stderr)
  assert.equal(preferred.stdout, `layer node ran ${EXTENSION_NODE_FLAGS.join(' ')} ${root}/${BUNDLE} x\n`)
  const chosen = run(join(root, LAUNCHER), ['x'], { env: { PATH: path, LAMBDA_DISPATCH_NODE: process.execPath } })
  assert.equal(chosen.stdout, 'bundle ran with x')
})

test("the launcher gives Node the extension's flags; LAMBDA_DISPATCH_NODE_FLAGS replaces them, and set empty drops them", () => {
  const root = launcherTree(true)
  const node = join(root, 'chosen/node')
  fakeNode(node)
  const launch = (env: Record<string, string>) =>
    run(join(root, LAUNCHER), ['x', '*'], { env: { PATH: '/nonexistent', LAMBDA_DISPATCH_NODE: node, ...env } })
  assert.deepEqual(EXTENSION_NODE_FLAGS, ['--initial-old-space-size=64'])
  assert.equal(launch({}).stdout, `layer node ran --initial-old-space-size=64 ${root}/${BUNDLE} x *\n`)
  const replaced = launch({ LAMBDA_DISPATCH_NODE_FLAGS: '--max-old-space-size=96  --stack-size=900 *' })
  assert.equal(replaced.stdout, `layer node ran --max-old-space-size=96 --stack-size=900 * ${root}/${BUNDLE} x *\n`)
  assert.equal(launch({ LAMBDA_DISPATCH_NODE_FLAGS: '' }).stdout, `layer node ran ${root}/${BUNDLE} x *\n`)
})

test("the exec wrapper runs a JavaScript handler with the self-contained layer's Node when the runtime has none", (t) => {
  if (existsSync('/var/lang/bin/node'))
    return t.skip('this machine has /var/lang/bin/node, which the wrapper tries first')
  const layer = mkdtempSync(join(work, 'wrapper-layer-'))
  const wrapper = join(layer, WRAPPER)
  mkdirSync(dirname(wrapper))
  copyFileSync(join(REPO_ROOT, 'deploy/layer', WRAPPER), wrapper)
  chmodSync(wrapper, 0o755)
  fakeNode(join(layer, 'lambda-dispatch/node/bin/node'))
  const taskRoot = mkdtempSync(join(work, 'task-'))
  writeFileSync(join(taskRoot, 'server.mjs'), '')
  const env = { PATH: mkdtempSync(join(work, 'empty-path-')), LAMBDA_TASK_ROOT: taskRoot, _HANDLER: 'server.mjs' }
  const ran = run(wrapper, ['/var/runtime/bootstrap'], { env })
  assert.equal(ran.status, 0, ran.stderr)
  assert.equal(ran.stdout, `layer node ran ${taskRoot}/server.mjs\n`)

  rmSync(join(layer, 'lambda-dispatch/node'), { recursive: true })
  const none = run(wrapper, ['/var/runtime/bootstrap'], { env })
  assert.equal(none.status, 127)
  assert.match(none.stderr, /no node to run server\.mjs \(looked at \/var\/lang\/bin\/node, PATH and/)
})

test('the launcher refuses to start when the bundle is missing from the layer', () => {
  const root = launcherTree(false)
  const result = run(join(root, LAUNCHER), [], { env: { PATH: process.env.PATH ?? '' } })
  assert.equal(result.status, 1)
  assert.match(
    result.stderr,
    /the extension bundle is missing at .*lambda-dispatch\/extension\.js; the layer is incomplete/,
  )
})

test('the exec wrapper starts the handler instead of the runtime: a .mjs file with node, or an executable', () => {
  const wrapper = join(REPO_ROOT, 'deploy/layer', WRAPPER)
  const taskRoot = mkdtempSync(join(work, 'task-'))
  writeFileSync(
    join(taskRoot, 'server.mjs'),
    "process.stdout.write('app ' + process.argv.length + ' ' + process.cwd())\n",
  )
  writeFileSync(join(taskRoot, 'run.sh'), '#!/bin/sh\necho "run.sh got $#"\n')
  chmodSync(join(taskRoot, 'run.sh'), 0o755)
  writeFileSync(join(taskRoot, 'plain.sh'), '#!/bin/sh\necho no\n')
  const env = (handler: string) => ({ PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: taskRoot, _HANDLER: handler })
  // Lambda passes the runtime's own command; the wrapper drops it.
  const runtimeArgs = ['/var/lang/bin/node', '/var/runtime/index.mjs']

  const mjs = run(wrapper, runtimeArgs, { cwd: taskRoot, env: env('server.mjs') })
  assert.equal(mjs.status, 0, mjs.stderr)
  assert.equal(mjs.stdout, `app 2 ${taskRoot}`)
  const script = run(wrapper, runtimeArgs, { cwd: taskRoot, env: env('run.sh') })
  assert.equal(script.stdout, 'run.sh got 0\n')

  const moduleHandler = run(wrapper, runtimeArgs, { env: env('index.handler') })
  assert.equal(moduleHandler.status, 1)
  assert.match(moduleHandler.stderr, /handler "index\.handler" is not a file in .*not module\.function/)
  const notExecutable = run(wrapper, runtimeArgs, { env: env('plain.sh') })
  assert.equal(notExecutable.status, 126)
  assert.match(notExecutable.stderr, /plain\.sh is not executable; mark it executable/)
  const none = run(wrapper, runtimeArgs, { env: env('') })
  assert.equal(none.status, 1)
  assert.match(none.stderr, /the function has no handler/)
})

test('the unzipped layer runs in the local Lambda: the launcher registers and an InitOnly invoke returns SelfInitOnly', async (t) => {
  if (unavailable) return t.skip(unavailable)
  const demoApp = join(REPO_ROOT, 'dist/demo-app.js')
  if (!existsSync(demoApp)) return t.skip('dist/demo-app.js is not built (npm run build runs before the tests)')
  // A zip function's task root, as the example stack deploys it: the demo app bundle started by the exec wrapper.
  const taskRoot = mkdtempSync(join(work, 'function-'))
  copyFileSync(demoApp, join(taskRoot, 'demo-app.mjs'))
  const lambda = await startTestLambda(t, {
    'layer-test': {
      runtimeCommand: [join(layerRoot, WRAPPER), '/var/runtime/bootstrap'],
      handler: 'demo-app.mjs',
      cwd: taskRoot,
      extensionCommands: [[join(layerRoot, LAUNCHER)]],
      timeoutMs: 20_000,
      initTimeoutMs: 15_000,
      shutdownTimeoutMs: 2000,
      portVariables: ['PORT', 'LAMBDA_DISPATCH_PORT'],
      env: { AWS_LAMBDA_FUNCTION_TIMEOUT: '20' },
    },
  })
  // Init completes only once every extension has registered and waits for its next event (the Extensions API contract).
  const ready = nextEvent(lambda, 'environment-ready', (event) => event.functionName === 'layer-test')
  const client = lambdaClient(t, lambda.endpoint)
  const { output, json } = await invokeJson(client, 'layer-test', {
    PoolId: 'default',
    Id: 'layer-test-instance',
    DispatcherUrl: 'https://127.0.0.1:9/api/chunked',
    NumberOfChannels: 2,
    SentTime: new Date().toISOString(),
    InitOnly: true,
  })
  const environment = await ready
  assert.ok(environment.initDurationMs >= 0)
  assert.equal(output.StatusCode, 200)
  assert.equal(output.FunctionError, undefined, JSON.stringify(json))
  assert.deepEqual(
    { ...(json as Record<string, unknown>), InvokeDuration: 0 },
    { PoolId: 'default', Id: 'layer-test-instance', RequestCount: 0, InvokeDuration: 0, ExitReason: 'SelfInitOnly' },
  )
})
