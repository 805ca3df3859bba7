#!/usr/bin/env node
// The example CDK app (`npx cdk synth`). Everything comes from context (`-c key=value`) with offline defaults, so
// synth never calls AWS. It packages dist/lambda-dispatch-layer.zip and dist/demo-app.js: run
// `npm run build && npm run package:layer` at the repository root first.
import { copyFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { App, DockerImage } from 'aws-cdk-lib'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { ExampleStack } from './example-stack.js'

const REPO_ROOT = resolve(import.meta.dirname, '../../..')
const app = new App()

/** A context value, or the fallback; an empty string counts as unset. */
function context(key: string, fallback: string): string
function context(key: string): string | undefined
function context(key: string, fallback?: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key)
  if (value === undefined || value === null || value === '') return fallback
  return String(value)
}

function requireFile(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`)
  return path
}

function list(key: string, fallback: string): string[] {
  return context(key, fallback)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function optionalInteger(key: string): number | undefined {
  const text = context(key)
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) throw new Error(`context ${key} must be a positive integer, got "${text}"`)
  return value
}

const layerZip = requireFile(
  join(REPO_ROOT, 'dist/lambda-dispatch-layer.zip'),
  'run `npm run build && npm run package:layer` at the repository root',
)
const demoApp = requireFile(join(REPO_ROOT, 'dist/demo-app.js'), 'run `npm run build` at the repository root')

// The demo app is one ESM file; as `.mjs` Node runs it as a module whatever its version's detection rules.
const appCode = lambda.Code.fromAsset(join(REPO_ROOT, 'dist'), {
  exclude: ['*', '!demo-app.js'],
  bundling: {
    image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:20-slim'),
    local: {
      tryBundle(outputDir) {
        copyFileSync(demoApp, join(outputDir, 'demo-app.mjs'))
        return true
      },
    },
  },
})

new ExampleStack(app, 'LambdaDispatchExample', {
  stackName: context('stackName', 'lambda-dispatch-example'),
  env: { account: context('account', '123456789012'), region: context('region', 'us-east-1') },
  vpc: {
    vpcId: context('vpcId', 'vpc-0123456789abcdef0'),
    vpcCidrBlock: context('vpcCidrBlock', '10.0.0.0/16'),
    availabilityZones: list('availabilityZones', 'us-east-1a,us-east-1b'),
    publicSubnetIds: list('publicSubnetIds', 'subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2'),
    privateSubnetIds: list('privateSubnetIds', 'subnet-0bbbbbbbbbbbbbbb1,subnet-0bbbbbbbbbbbbbbb2'),
    publicSubnetRouteTableIds: list('publicSubnetRouteTableIds', 'rtb-0aaaaaaaaaaaaaaa1,rtb-0aaaaaaaaaaaaaaa1'),
    privateSubnetRouteTableIds: list('privateSubnetRouteTableIds', 'rtb-0bbbbbbbbbbbbbbb1,rtb-0bbbbbbbbbbbbbbb2'),
  },
  appCode,
  appHandler: 'demo-app.mjs',
  layerCode: lambda.Code.fromAsset(layerZip),
  routerRepositoryName: context('routerRepository', 'lambda-dispatch-router'),
  routerImageTag: context('routerImageTag', '0.1.0'),
  certificateArn: context('certificateArn'),
  reservedConcurrentExecutions: optionalInteger('reservedConcurrency'),
  useFargateSpot: context('useFargateSpot', 'false') === 'true',
  router: {
    maxConcurrentCount: 10,
    maxInstances: optionalInteger('maxInstances') ?? 50,
    maxInvokesPerMinute: optionalInteger('maxInvokesPerMinute') ?? 600,
    queueLimit: 1000,
  },
})
