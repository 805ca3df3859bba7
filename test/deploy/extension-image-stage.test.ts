// The `extension` stage of deploy/router/Dockerfile: the extension as an OCI image for container-image Lambdas. A
// scratch stage whose /opt tree is exactly the layer zip's (scripts/package-layer.mjs), with the same run bits.
import assert from 'node:assert/strict'
import { posix } from 'node:path'
import { test } from 'node:test'
import { copyOperands } from './dockerfile.js'
import { finalStage, instructionsOf, readDockerfile } from './dockerfile-rules.js'

const dockerfile = readDockerfile('deploy/router/Dockerfile')
const extension = dockerfile.stages.find((stage) => stage.name === 'extension')

test('the extension stage is scratch, holds only files, and is not the default target', () => {
  assert.ok(extension, 'deploy/router/Dockerfile has an extension stage')
  assert.equal(extension.image, 'scratch')
  assert.deepEqual(
    extension.instructions.map((instruction) => instruction.keyword),
    ['COPY', 'COPY', 'COPY', 'COPY'],
    'nothing but files: the image is never run',
  )
  assert.notEqual(finalStage(dockerfile).name, 'extension', 'a plain docker build still makes the router image')
})

test('the extension stage lays out the layer tree under /opt with 0755 on the launcher and the exec wrapper', () => {
  assert.ok(extension)
  const placed = new Map<string, string>()
  for (const copy of instructionsOf(extension, 'COPY')) {
    const { sources, destination } = copyOperands(copy)
    for (const source of sources) {
      const target = destination.endsWith('/') ? posix.join(destination, posix.basename(source)) : destination
      placed.set(target, copy.flags.chmod ?? '(unset)')
    }
  }
  assert.deepEqual(Object.fromEntries([...placed].sort()), {
    '/opt/extensions/lambda-dispatch': '0755',
    '/opt/lambda-dispatch/exec-wrapper': '0755',
    '/opt/lambda-dispatch/extension.js': '0644',
    '/opt/lambda-dispatch/extension.js.LEGAL.txt': '0644',
    '/opt/lambda-dispatch/extension.js.map': '0644',
    '/opt/lambda-dispatch/package.json': '0644',
  })
})
