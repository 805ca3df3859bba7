// Lints deploy/router/Dockerfile (issue 9): pinned bases, npm ci, no remote ADD, COPY sources that exist, a non-root
// final stage started by tini, a HEALTHCHECK on the admin listener's /health with Node's fetch, the router's default
// ports exposed, and the bundled CLI that the image runs working with nothing but package.json beside it (its
// HEALTHCHECK program run against it). hadolint runs too when installed.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { type TestContext, test } from 'node:test'
import { ROUTER_NODE_FLAGS } from '../../bench/lib/dispatch-stack.js'
import { ROUTER_DEFAULTS, ROUTER_SETTINGS } from '../../src/router/config.js'
import { teardown } from '../helpers/teardown.js'
import { copyOperands } from './dockerfile.js'
import {
  finalStage,
  instructionsOf,
  missingCopySources,
  npmInstalls,
  REPO_ROOT,
  readDockerfile,
  remoteAdds,
  unpinnedImages,
} from './dockerfile-rules.js'

const PATH = 'deploy/router/Dockerfile'
const dockerfile = readDockerfile(PATH)
const runtime = finalStage(dockerfile)

test('the Dockerfile builds once and ends in the router runtime, both on the same pinned slim Node image', () => {
  assert.deepEqual(
    dockerfile.stages.map((stage) => stage.name),
    ['build', 'extension', 'runtime'],
  )
  assert.deepEqual(unpinnedImages(dockerfile), [])
  for (const stage of [dockerfile.stages[0], runtime])
    assert.match(stage?.image ?? '', /^node:20\.\d+\.\d+-bookworm-slim$/)
  assert.equal(dockerfile.stages[0]?.platform, '$BUILDPLATFORM', 'the JS build runs natively, even for ARM64 images')
})

test('dependencies come from npm ci (the lockfile), never npm install, and nothing is fetched with ADD', () => {
  const build = dockerfile.stages[0]
  assert.ok(build)
  const runs = instructionsOf(build, 'RUN').map((instruction) => instruction.text)
  assert.ok(
    runs.some((text) => /^npm ci\b/.test(text)),
    'the build stage runs npm ci',
  )
  assert.ok(runs.includes('npm run build'), 'the build stage runs npm run build')
  assert.deepEqual(npmInstalls(dockerfile), [])
  assert.deepEqual(remoteAdds(dockerfile), [])
  assert.deepEqual(instructionsOf(runtime, 'ADD'), [])
})

test('every COPY source exists in the build context or is written by npm run build', () => {
  assert.deepEqual(missingCopySources(dockerfile), [])
})

test('the runtime stage takes only the bundled CLI and package.json from the build: no node_modules, no sources', () => {
  const copied = instructionsOf(runtime, 'COPY').flatMap((instruction) => {
    assert.equal(instruction.flags.from, 'build', `line ${instruction.line} copies from the build stage`)
    return copyOperands(instruction).sources
  })
  assert.deepEqual(copied.sort(), [
    '/src/dist/cli.js',
    '/src/dist/cli.js.LEGAL.txt',
    '/src/dist/cli.js.map',
    '/src/package.json',
  ])
})

test('the final stage runs as a non-root user, after every RUN that needs root', () => {
  const users = instructionsOf(runtime, 'USER')
  const last = users[users.length - 1]
  assert.ok(last, 'the final stage sets USER')
  assert.doesNotMatch(last.text, /^(root|0)(:|$)/)
  const lastRun = instructionsOf(runtime, 'RUN').at(-1)
  assert.ok(!lastRun || lastRun.line < last.line, 'no RUN after USER drops root')
})

test('tini is installed without recommends and is PID 1; CMD starts the router from the bundle with the flags the benchmark uses', () => {
  const install = instructionsOf(runtime, 'RUN').find((instruction) => /apt-get install/.test(instruction.text))
  assert.ok(install, 'the runtime stage installs packages with apt-get')
  assert.match(install.text, /--no-install-recommends/)
  assert.match(install.text, /\btini\b/)
  assert.match(install.text, /rm -rf \/var\/lib\/apt\/lists\/\*/)
  assert.deepEqual(instructionsOf(runtime, 'ENTRYPOINT').at(-1)?.exec, ['/usr/bin/tini', '--'])
  assert.deepEqual(instructionsOf(runtime, 'CMD').at(-1)?.exec, ['node', ...ROUTER_NODE_FLAGS, 'dist/cli.js', 'router'])
})

/** The HEALTHCHECK's Node program (`node -e <program>`), checked to be the only HEALTHCHECK of the final stage. */
function healthcheckProgram(): string {
  const [healthcheck, ...more] = instructionsOf(runtime, 'HEALTHCHECK')
  assert.ok(healthcheck, 'the final stage has a HEALTHCHECK')
  assert.equal(more.length, 0)
  const [node, flag, program] = healthcheck.exec ?? []
  assert.equal(node, 'node')
  assert.equal(flag, '-e')
  assert.ok(program)
  return program
}

const ADMIN_PORT_ENV = ROUTER_SETTINGS.find((setting) => setting.field === 'adminPort')?.env[0] ?? ''

test('the HEALTHCHECK probes the admin /health on loopback with Node fetch, on the AdminPort the router is given', () => {
  const [healthcheck] = instructionsOf(runtime, 'HEALTHCHECK')
  assert.deepEqual(Object.keys(healthcheck?.flags ?? {}).sort(), ['interval', 'retries', 'start-period', 'timeout'])
  const program = healthcheckProgram()
  assert.equal(ADMIN_PORT_ENV, 'LAMBDA_DISPATCH_AdminPort')
  assert.ok(program.includes(`process.env.${ADMIN_PORT_ENV}`), `reads ${ADMIN_PORT_ENV} when the check runs`)
  assert.ok(program.includes(`||${ROUTER_DEFAULTS.adminPort})`), 'falls back to the default admin port')
  assert.equal(ROUTER_DEFAULTS.adminHost, '127.0.0.1', 'the admin listener binds loopback by default')
  assert.match(program, /^fetch\('http:\/\/127\.0\.0\.1:'.+'\/health'/)
  assert.match(program, /AbortSignal\.timeout\(\d+\)/)
})

/** Runs the image's HEALTHCHECK program as Docker would, with the container's AdminPort; resolves its exit code. */
async function runHealthcheck(adminPort: string): Promise<number | null> {
  const probe = spawn(process.execPath, ['-e', healthcheckProgram()], {
    stdio: 'ignore',
    env: { PATH: process.env.PATH ?? '', [ADMIN_PORT_ENV]: adminPort },
  })
  const [code] = (await once(probe, 'exit')) as [number | null]
  return code
}

test('EXPOSE lists exactly the router default ports: front door HTTP/HTTPS, control h2c/TLS, admin', () => {
  const exposed = instructionsOf(runtime, 'EXPOSE')
    .flatMap((instruction) => instruction.text.split(/\s+/))
    .map((port) => Number(port.replace(/\/tcp$/, '')))
  assert.deepEqual(
    exposed.sort((a, b) => a - b),
    [
      ROUTER_DEFAULTS.incomingRequestHttpPort,
      ROUTER_DEFAULTS.incomingRequestHttpsPort,
      ROUTER_DEFAULTS.controlChannelInsecureHttp2Port,
      ROUTER_DEFAULTS.controlChannelHttp2Port,
      ROUTER_DEFAULTS.adminPort,
    ].sort((a, b) => a - b),
  )
})

/** The image's /app in a temp dir: package.json (for "type": "module") and the bundle, no node_modules above it. */
function imageApp(t: TestContext): string | undefined {
  const bundle = join(REPO_ROOT, 'dist/cli.js')
  if (!existsSync(bundle)) {
    t.skip('dist/cli.js is not built (npm run build runs before the tests in .ci/run)')
    return undefined
  }
  const app = mkdtempSync(join(tmpdir(), 'router-image-app-'))
  teardown(t)(() => rmSync(app, { recursive: true, force: true }))
  mkdirSync(join(app, 'dist'))
  copyFileSync(join(REPO_ROOT, 'package.json'), join(app, 'package.json'))
  copyFileSync(bundle, join(app, 'dist/cli.js'))
  return app
}

test('the bundled CLI the image runs needs nothing but package.json beside it', (t) => {
  const app = imageApp(t)
  if (!app) return
  const result = spawnSync(process.execPath, ['dist/cli.js', 'router', '--help'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
  })
  assert.equal(result.status, 0, `node dist/cli.js router --help failed:\n${result.stderr}`)
  assert.match(result.stdout, /LAMBDA_DISPATCH_FunctionName/)
  assert.doesNotMatch(result.stderr, /ERR_MODULE_NOT_FOUND|Cannot find (module|package)/)
})

test('the router started as the image starts it passes the image HEALTHCHECK, then exits 0 on SIGTERM and fails it', async (t) => {
  const app = imageApp(t)
  if (!app) return
  const [command, ...args] = instructionsOf(runtime, 'CMD').at(-1)?.exec ?? []
  assert.equal(command, 'node')
  const child = spawn(process.execPath, args, {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LAMBDA_DISPATCH_FunctionName: 'image-test',
      LAMBDA_DISPATCH_IncomingRequestHTTPPort: '0',
      LAMBDA_DISPATCH_ControlChannelHTTP2Port: '0',
      LAMBDA_DISPATCH_AdminPort: '0',
      LAMBDA_DISPATCH_RouterCallbackHost: '127.0.0.1',
      LAMBDA_DISPATCH_ListenHost: '127.0.0.1',
      LAMBDA_DISPATCH_LogLevel: 'warn',
      // No request reaches a Lambda here; the endpoint only keeps the SDK off the network.
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
  })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  // Killed, and gone, before its directory is removed.
  teardown(t)(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const lines = createInterface({ input: child.stdout })
  const { frontDoor, admin } = await new Promise<{ frontDoor: string; admin: string }>((resolveUrls, reject) => {
    lines.on('line', (line) => {
      const match = /^lambda-dispatch router listening: (http:\/\/\S+).* admin and dashboard (http:\/\/\S+?)\)?$/.exec(
        line,
      )
      if (match?.[1] && match[2]) resolveUrls({ frontDoor: match[1], admin: match[2] })
    })
    void exited.then(([code]) => reject(new Error(`the router exited with ${code} before listening:\n${stderr}`)))
  })
  const health = await fetch(new URL('/health', frontDoor), { signal: AbortSignal.timeout(5000) })
  assert.equal(health.status, 200)
  await health.arrayBuffer()
  const adminPort = new URL(admin).port
  assert.equal(new URL(admin).hostname, '127.0.0.1', 'the admin listener is on loopback, where the check looks')
  assert.equal(await runHealthcheck(adminPort), 0, 'the HEALTHCHECK passes against the serving router')
  child.kill('SIGTERM')
  const [code, signal] = await exited
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr)
  assert.equal(await runHealthcheck(adminPort), 1, 'the HEALTHCHECK fails once the router is gone')
})

test('hadolint finds nothing to report (when installed)', (t) => {
  const probe = spawnSync('hadolint', ['--version'], { encoding: 'utf8' })
  if (probe.error) {
    t.skip('hadolint is not installed: it is packaged neither for Debian 12 nor on npm; the rules above stand in')
    return
  }
  const result = spawnSync('hadolint', ['--ignore', 'DL3008', join(REPO_ROOT, PATH)], { encoding: 'utf8' })
  assert.equal(result.status, 0, result.stdout + result.stderr)
})
