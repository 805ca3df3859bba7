// The Dockerfile reader the deploy lint tests rely on: continuation lines, comments, forms, flags, stages, ARGs,
// and the .dockerignore matcher.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { copyOperands, isIgnored, parseDockerfile, substitute } from './dockerfile.js'

const SAMPLE = [
  '# syntax=docker/dockerfile:1',
  '# escape=\\',
  '# A comment that is not a directive',
  'ARG BASE=node:20.20.2-bookworm-slim',
  'ARG EMPTY',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG syntax, not a template
  'FROM --platform=$BUILDPLATFORM ${BASE} AS Build',
  'RUN apt-get update \\',
  '  # a comment inside a continuation is dropped',
  '  && apt-get install -y tini \\',
  '',
  '  && rm -rf /var/lib/apt/lists/*',
  'COPY --from=build --chmod=0755 a b /dest/',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG syntax, not a template
  'FROM ${BASE}',
  'HEALTHCHECK --interval=10s --retries=3 \\',
  '  CMD ["node", "-e", "1"]',
  'CMD node server.js',
  'ENTRYPOINT ["/usr/bin/tini", "--"]',
].join('\n')

test('parser directives are read only from the top, and ARGs before FROM become global defaults', () => {
  const dockerfile = parseDockerfile(SAMPLE)
  assert.deepEqual(dockerfile.directives, { syntax: 'docker/dockerfile:1', escape: '\\' })
  assert.deepEqual(
    [...dockerfile.globalArgs],
    [
      ['BASE', 'node:20.20.2-bookworm-slim'],
      ['EMPTY', ''],
    ],
  )
})

test('continuation lines join into one instruction, skipping comment and blank lines, with the keyword line kept', () => {
  const [run] = parseDockerfile(SAMPLE).stages[0]?.instructions ?? []
  assert.equal(run?.keyword, 'RUN')
  assert.equal(run?.line, 7)
  assert.equal(run?.text, 'apt-get update && apt-get install -y tini && rm -rf /var/lib/apt/lists/*')
  assert.equal(run?.exec, undefined)
})

test('stages carry their name (lower-cased), platform, raw and substituted image, and their own instructions', () => {
  const { stages } = parseDockerfile(SAMPLE)
  assert.equal(stages.length, 2)
  assert.deepEqual(
    stages.map((stage) => [stage.index, stage.name, stage.rawImage, stage.image, stage.platform]),
    [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG syntax, not a template
      [0, 'build', '${BASE}', 'node:20.20.2-bookworm-slim', '$BUILDPLATFORM'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG syntax, not a template
      [1, undefined, '${BASE}', 'node:20.20.2-bookworm-slim', undefined],
    ],
  )
  assert.deepEqual(
    stages[1]?.instructions.map((instruction) => instruction.keyword),
    ['HEALTHCHECK', 'CMD', 'ENTRYPOINT'],
  )
})

test('flags are split off, exec form is parsed as JSON, and HEALTHCHECK exposes its command', () => {
  const { stages } = parseDockerfile(SAMPLE)
  const copy = stages[0]?.instructions[1]
  assert.deepEqual(copy?.flags, { from: 'build', chmod: '0755' })
  assert.deepEqual(copyOperands(copy as never), { sources: ['a', 'b'], destination: '/dest/' })
  const [healthcheck, cmd, entrypoint] = stages[1]?.instructions ?? []
  assert.deepEqual(healthcheck?.flags, { interval: '10s', retries: '3' })
  assert.deepEqual(healthcheck?.exec, ['node', '-e', '1'])
  assert.equal(cmd?.exec, undefined)
  assert.equal(cmd?.text, 'node server.js')
  assert.deepEqual(entrypoint?.exec, ['/usr/bin/tini', '--'])
})

test('a custom escape character continues lines', () => {
  const dockerfile = parseDockerfile(['# escape=`', 'FROM scratch', 'COPY a `', '  /b'].join('\n'))
  assert.equal(dockerfile.stages[0]?.instructions[0]?.text, 'a /b')
})

test('anything but ARG before the first FROM, a malformed FROM, or a heredoc is refused', () => {
  assert.throws(() => parseDockerfile('RUN true\nFROM scratch'), /only ARG may come before the first FROM/)
  assert.throws(() => parseDockerfile('FROM a b'), /FROM takes "image \[AS name\]"/)
  assert.throws(() => parseDockerfile('FROM scratch\nRUN <<EOF\necho\nEOF'), /heredocs are not supported/)
})

// biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG syntax, not a template
test('ARG substitution handles ${NAME}, ${NAME:-default} and $NAME, and leaves unknown names alone', () => {
  const args = new Map([
    ['A', 'x'],
    ['EMPTY', ''],
  ])
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Dockerfile ARG syntax, not a template
  assert.equal(substitute('${A}-$A-${B:-d}-${EMPTY:-e}-$UNKNOWN', args), 'x-x-d-e-$UNKNOWN')
})

test('.dockerignore: last match wins, ! re-includes, directories cover their contents, * stays in one segment', () => {
  const ignore = ['# allow-list', '*', '!src/', '!deploy/layer/extensions/', 'src/**/*.test.ts'].join('\n')
  const cases: Array<[string, boolean]> = [
    ['package.json', true],
    ['src/cli/main.ts', false],
    ['src/cli/main.test.ts', true],
    ['deploy/layer/extensions/lambda-dispatch', false],
    ['deploy/layer/Dockerfile', true],
    ['node_modules/x/index.js', true],
  ]
  for (const [path, expected] of cases) assert.equal(isIgnored(path, ignore), expected, path)
  assert.equal(isIgnored('dist/cli.js', 'dist\n'), true)
  assert.equal(isIgnored('dist/cli.js', 'dist/*.map\n'), false)
  assert.equal(isIgnored('a/b/c.map', '**/*.map\n'), true)
})
