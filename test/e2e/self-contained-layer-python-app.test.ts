// Issue 19: the self-contained layer serves an app that is not Node, in an environment whose PATH has no node. The
// test packages the layer for this machine's architecture itself (`npm run package:layer -- --with-node --arch …`:
// Node downloaded once from the npm registry into node_modules/.cache and verified against
// deploy/layer/node-runtime.json), unzips it into a temp dir standing in for /opt, and runs it in the local stack
// beside Debian's python3 serving a WSGI app (test/fixtures/python-app). Nothing here skips: a layer that cannot be
// built, or a Node that cannot be downloaded, fails the file.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { request } from 'undici'
import { LAYER_PATHS } from '../../deploy/cdk/lib/router-settings.js'
import { getText, h1Client, startE2eStack } from '../helpers/e2e-stack.js'
import { packageLayer, REPO_ROOT, runTool, unzipLayer } from '../helpers/package-layer.js'
import { executableOf } from '../helpers/proc.js'

const LAUNCHER = 'extensions/lambda-dispatch'
// Where Lambda would find it, /opt/lambda-dispatch/node/bin/node, relative to the layer root.
const LAYER_NODE = LAYER_PATHS.node.replace(/^\/opt\//, '')
const PIN = JSON.parse(readFileSync(join(REPO_ROOT, 'deploy/layer/node-runtime.json'), 'utf8')) as { version: string }
// Debian's python3 (.ci/run installs it), not a version manager's shim: a shim would itself look for tools on PATH.
const DEBIAN_PYTHON = '/usr/bin/python3'
const APP = join(REPO_ROOT, 'test/fixtures/python-app/bootstrap')

let work = ''
let zipPath = ''
let layerRoot = ''
/** A PATH with python3 and nothing else. */
let pythonOnlyPath = ''
let packagedOutput = ''

before(() => {
  const arch = process.arch
  assert.ok(arch === 'x64' || arch === 'arm64', `the self-contained layer is built for x64 and arm64, not ${arch}`)
  assert.ok(existsSync(DEBIAN_PYTHON), `${DEBIAN_PYTHON} is missing: apt-get install python3 (.ci/run does)`)
  // Outside the repository, so nothing in the unzipped layer can resolve the repository's node_modules.
  work = mkdtempSync(join(tmpdir(), 'self-contained-layer-'))
  zipPath = join(work, `lambda-dispatch-layer-with-node-${arch}.zip`)
  const packaged = packageLayer(zipPath, ['--with-node', '--arch', arch])
  assert.equal(packaged.status, 0, `package:layer --with-node failed:\n${packaged.stdout}${packaged.stderr}`)
  packagedOutput = packaged.stdout
  layerRoot = join(work, 'opt')
  const unzipped = unzipLayer(zipPath, layerRoot)
  assert.equal(unzipped.status, 0, unzipped.stderr)

  pythonOnlyPath = join(work, 'bin')
  mkdirSync(pythonOnlyPath)
  symlinkSync(DEBIAN_PYTHON, join(pythonOnlyPath, 'python3'))
})

after(() => rmSync(work, { recursive: true, force: true }))

test('the self-contained layer holds the extension and the pinned Node binary with its licence, and fits Lambda', () => {
  const listing = runTool('unzip', ['-Z1', zipPath])
  assert.equal(listing.status, 0, listing.stderr)
  const names = listing.stdout.trim().split('\n')
  for (const name of [LAUNCHER, 'lambda-dispatch/extension.js', 'lambda-dispatch/exec-wrapper', LAYER_NODE]) {
    assert.ok(names.includes(name), `${name} is missing from ${names.join(', ')}`)
  }
  assert.ok(names.includes('lambda-dispatch/node/LICENSE'))
  // The binary and its licence only: none of the package's headers, docs or npm.
  assert.deepEqual(
    names.filter((name) => name.startsWith('lambda-dispatch/node/')).sort(),
    ['lambda-dispatch/node/', 'lambda-dispatch/node/LICENSE', 'lambda-dispatch/node/bin/', LAYER_NODE].sort(),
  )
  const version = runTool(join(layerRoot, LAYER_NODE), ['--version'], { env: {} })
  assert.equal(version.stdout.trim(), `v${PIN.version}`)
  assert.match(packagedOutput, /: \d+\.\d MiB zipped, \d+\.\d MiB unzipped \(\d+ and \d+ bytes\)/)
  assert.match(packagedOutput, /within Lambda's limits/)
})

test('packaging again takes Node from the cache, verified, without a download, and gives a byte-identical zip', () => {
  const again = join(work, 'again.zip')
  const packaged = packageLayer(again, ['--with-node', '--arch', process.arch])
  assert.equal(packaged.status, 0, packaged.stderr)
  assert.match(packaged.stdout, /verified from the cache/)
  assert.doesNotMatch(packaged.stdout, /downloading/)
  assert.ok(readFileSync(again).equals(readFileSync(zipPath)), 'the two zips differ')
})

test('the function environment PATH finds python3 and no node', () => {
  const env = { PATH: pythonOnlyPath }
  const python = runTool('/bin/sh', ['-c', 'command -v python3'], { env })
  assert.equal(python.stdout.trim(), join(pythonOnlyPath, 'python3'))
  const node = runTool('/bin/sh', ['-c', 'command -v node'], { env })
  assert.notEqual(node.status, 0, `node resolves to ${node.stdout}`)
})

test("through the router, a python3 app with no node on its PATH is served, and the extension runs on the layer's Node", async (t) => {
  const stack = await startE2eStack(t, {
    appCommand: [APP],
    extensionCommand: [join(layerRoot, LAUNCHER)],
    functionEnv: { PATH: pythonOnlyPath },
  })
  const agent = h1Client(t, 4)
  const base = stack.addresses.frontDoorUrl

  const hello = await getText(agent, `${base}/hello`)
  assert.equal(hello.status, 200, hello.body)
  assert.match(hello.body, /^python 3\.\d+ got GET \/hello$/)

  const payload = 'bytes from the client, relayed to python and back'
  const echoed = await request(`${base}/echo`, { dispatcher: agent, method: 'POST', body: payload })
  assert.equal(echoed.statusCode, 200)
  assert.equal(await echoed.body.text(), payload)

  const processes = stack.lambda
    .environments(stack.functionName)
    // Invoking: past init, so every extension has registered and the launcher's exec is long done.
    .filter((environment) => environment.state === 'invoking')
    .flatMap((environment) => environment.processes)
    .filter((entry) => entry.pid !== undefined && entry.exit === undefined)
  const programsOf = (role: 'runtime' | 'extension'): string[] =>
    processes.filter((entry) => entry.role === role).map((entry) => executableOf(entry.pid as number))
  // The launcher execs node and bootstrap execs python3, so each process is the program itself.
  const extensions = programsOf('extension')
  assert.ok(extensions.length > 0, 'an execution environment is serving')
  assert.deepEqual(new Set(extensions), new Set([realpathSync(join(layerRoot, LAYER_NODE))]))
  assert.deepEqual(new Set(programsOf('runtime')), new Set([realpathSync(DEBIAN_PYTHON)]))
})
