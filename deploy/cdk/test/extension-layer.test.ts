// ExtensionLayer: the layer without Node (both architectures, Node runtimes) and the self-contained layer (one
// architecture, any Amazon Linux 2023 runtime), and the zip names the constructs expect from `npm run package:layer`.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { Stack } from 'aws-cdk-lib'
import { Template } from 'aws-cdk-lib/assertions'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import {
  ExtensionLayer,
  type ExtensionLayerProps,
  SELF_CONTAINED_LAYER_RUNTIMES,
  selfContainedLayerZip,
} from '../lib/extension-layer.js'
import { ENV, strictApp } from './fixtures.js'

function layerTemplate(props: Omit<ExtensionLayerProps, 'code'>): Template {
  const stack = new Stack(strictApp(), 'Fixture', { env: ENV })
  const bucket = s3.Bucket.fromBucketName(stack, 'Bucket', 'fixture-artifacts')
  new ExtensionLayer(stack, 'Layer', { code: lambda.Code.fromBucket(bucket, 'layer.zip'), ...props })
  return Template.fromStack(stack)
}

const AL2023_RUNTIMES = [
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'python3.12',
  'python3.13',
  'python3.14',
  'java21',
  'java25',
  'dotnet8',
  'dotnet10',
  'ruby3.3',
  'ruby3.4',
  'provided.al2023',
]

test('the layer without Node serves both architectures on the Node runtimes', () => {
  layerTemplate({}).hasResourceProperties('AWS::Lambda::LayerVersion', {
    CompatibleArchitectures: ['arm64', 'x86_64'],
    CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
    Description: 'Lambda Dispatch extension (connects the function back to the router)',
  })
})

for (const architecture of [lambda.Architecture.X86_64, lambda.Architecture.ARM_64]) {
  test(`the self-contained layer for ${architecture.name} is for that architecture and every Amazon Linux 2023 runtime`, () => {
    layerTemplate({ nodeArchitecture: architecture }).hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: [architecture.name],
      CompatibleRuntimes: AL2023_RUNTIMES,
      Description: `Lambda Dispatch extension with its own Node.js for ${architecture.name} (any Amazon Linux 2023 runtime)`,
      LicenseInfo: 'MIT',
    })
  })
}

test('the runtime list stays within the 15 compatible runtimes PublishLayerVersion accepts', () => {
  assert.ok(SELF_CONTAINED_LAYER_RUNTIMES.length <= 15)
})

test('the self-contained zip names are the ones `npm run package:layer -- --with-node` writes', () => {
  assert.equal(selfContainedLayerZip(lambda.Architecture.X86_64), 'lambda-dispatch-layer-with-node-x64.zip')
  assert.equal(selfContainedLayerZip(lambda.Architecture.ARM_64), 'lambda-dispatch-layer-with-node-arm64.zip')
  const script = readFileSync(join(import.meta.dirname, '../../../scripts/package-layer.mjs'), 'utf8')
  assert.match(script, /`dist\/lambda-dispatch-layer-with-node-\$\{arch\}\.zip`/)
})

test('an architecture the layer is not built for is refused at synth', () => {
  const other = lambda.Architecture.custom('riscv64', 'linux/riscv64')
  assert.throws(() => selfContainedLayerZip(other), /built for x86_64 and arm64, not riscv64/)
  assert.throws(() => layerTemplate({ nodeArchitecture: other }), /built for x86_64 and arm64, not riscv64/)
})
