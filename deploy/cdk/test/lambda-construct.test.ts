// LambdaConstruct: the layer or image packaging, the exec wrapper, the extension's environment, VPC placement, caps.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Duration, Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { LambdaConstruct, type LambdaConstructProps } from '../lib/lambda-construct.js'
import { LAYER_PATHS } from '../lib/router-settings.js'
import { ENV, strictApp, VPC_ATTRIBUTES } from './fixtures.js'

function build(app: (stack: Stack) => LambdaConstructProps['app'], extra: Partial<LambdaConstructProps> = {}) {
  const stack = new Stack(strictApp(), 'Fixture', { env: ENV })
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', VPC_ATTRIBUTES)
  const construct = new LambdaConstruct(stack, 'App', { vpc, app: app(stack), ...extra })
  return { stack, construct, template: Template.fromStack(stack) }
}

const bucketCode = (stack: Stack, key: string) =>
  lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, `Bucket-${key}`, 'fixture-artifacts'), key)

const LAYER_ARN = `arn:aws:lambda:${ENV.region}:${ENV.account}:layer:lambda-dispatch:7`

test('a zip app runs on Node 22 with the layer, the exec wrapper and the extension settings', () => {
  const { stack, construct, template } = build((scope) => ({
    kind: 'zip',
    code: bucketCode(scope, 'app.zip'),
    handler: 'run.sh',
    layer: lambda.LayerVersion.fromLayerVersionArn(scope, 'Layer', LAYER_ARN),
  }))
  template.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'run.sh',
    Runtime: 'nodejs22.x',
    Layers: [LAYER_ARN],
    MemorySize: 512,
    Timeout: 60,
    Architectures: ['arm64'],
    Environment: {
      Variables: {
        AWS_LAMBDA_EXEC_WRAPPER: LAYER_PATHS.execWrapper,
        LAMBDA_DISPATCH_PORT: '3001',
        AWS_LAMBDA_FUNCTION_TIMEOUT: '60',
      },
    },
    VpcConfig: {
      SecurityGroupIds: [
        { 'Fn::GetAtt': [stack.getLogicalId(construct.securityGroup.node.defaultChild as never), 'GroupId'] },
      ],
      SubnetIds: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
    },
  })
  template.resourceCountIs('AWS::Lambda::LayerVersion', 0)
  assert.equal(construct.layer?.layerVersionArn, LAYER_ARN)
})

test('a zip app given layer code gets a new layer for both architectures and the Node runtimes', () => {
  const { template } = build((scope) => ({
    kind: 'zip',
    code: bucketCode(scope, 'app.zip'),
    handler: 'server.mjs',
    layer: { code: bucketCode(scope, 'lambda-dispatch-layer.zip') },
  }))
  template.hasResourceProperties('AWS::Lambda::LayerVersion', {
    CompatibleArchitectures: ['arm64', 'x86_64'],
    CompatibleRuntimes: ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
    Content: { S3Bucket: 'fixture-artifacts', S3Key: 'lambda-dispatch-layer.zip' },
    LicenseInfo: 'MIT',
  })
  template.hasResourceProperties('AWS::Lambda::Function', {
    Handler: 'server.mjs',
    Layers: [{ Ref: Match.stringLikeRegexp('ExtensionLayer') }],
  })
})

test('a Python zip app with the self-contained layer gets that layer for its own architecture, and the exec wrapper', () => {
  const { template } = build(
    (scope) => ({
      kind: 'zip',
      code: bucketCode(scope, 'app.zip'),
      handler: 'run.sh',
      runtime: lambda.Runtime.PYTHON_3_13,
      layer: { code: bucketCode(scope, 'lambda-dispatch-layer-with-node-x64.zip'), withNode: true },
    }),
    { architecture: lambda.Architecture.X86_64 },
  )
  template.hasResourceProperties('AWS::Lambda::LayerVersion', {
    CompatibleArchitectures: ['x86_64'],
    CompatibleRuntimes: Match.arrayWith(['python3.13', 'java21', 'dotnet8', 'ruby3.3', 'provided.al2023']),
    Content: { S3Bucket: 'fixture-artifacts', S3Key: 'lambda-dispatch-layer-with-node-x64.zip' },
  })
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'python3.13',
    Architectures: ['x86_64'],
    Handler: 'run.sh',
    Layers: [{ Ref: Match.stringLikeRegexp('ExtensionLayer') }],
    Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: LAYER_PATHS.execWrapper }) },
  })
})

test('the self-contained layer follows the default architecture, arm64', () => {
  const { template } = build((scope) => ({
    kind: 'zip',
    code: bucketCode(scope, 'app.zip'),
    handler: 'bootstrap',
    runtime: lambda.Runtime.PROVIDED_AL2023,
    layer: { code: bucketCode(scope, 'lambda-dispatch-layer-with-node-arm64.zip'), withNode: true },
  }))
  template.hasResourceProperties('AWS::Lambda::LayerVersion', { CompatibleArchitectures: ['arm64'] })
  template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'provided.al2023', Architectures: ['arm64'] })
})

test('a runtime without Node given the layer without Node is refused at synth, naming the self-contained layer', () => {
  assert.throws(
    () =>
      build((scope) => ({
        kind: 'zip',
        code: bucketCode(scope, 'app.zip'),
        handler: 'run.sh',
        runtime: lambda.Runtime.JAVA_21,
        layer: { code: bucketCode(scope, 'lambda-dispatch-layer.zip') },
      })),
    /java21 has no Node for the extension; use the self-contained layer/,
  )
})

test('an image app has no layer and no exec wrapper: the image holds the extension and starts the app itself', () => {
  const { template } = build((scope) => ({
    kind: 'image',
    code: lambda.DockerImageCode.fromEcr(ecr.Repository.fromRepositoryName(scope, 'Repo', 'my-app'), {
      tagOrDigest: '1.2.3',
    }),
  }))
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'))
  const properties = fn?.Properties as Record<string, unknown>
  assert.equal(properties.PackageType, 'Image')
  assert.equal(properties.Layers, undefined)
  assert.deepEqual(properties.Environment, {
    Variables: { LAMBDA_DISPATCH_PORT: '3001', AWS_LAMBDA_FUNCTION_TIMEOUT: '60' },
  })
})

test('memory, timeout, architecture, app port, reserved concurrency and extra settings are passed through', () => {
  const { template } = build(
    (scope) => ({
      kind: 'zip',
      code: bucketCode(scope, 'app.zip'),
      handler: 'run.sh',
      layer: lambda.LayerVersion.fromLayerVersionArn(scope, 'Layer', LAYER_ARN),
    }),
    {
      memorySizeMiB: 1024,
      timeout: Duration.minutes(5),
      architecture: lambda.Architecture.X86_64,
      appPort: 8080,
      reservedConcurrentExecutions: 25,
      environment: { LAMBDA_DISPATCH_READINESS_PATH: '/ready', PORT: '8080' },
    },
  )
  template.hasResourceProperties('AWS::Lambda::Function', {
    MemorySize: 1024,
    Timeout: 300,
    Architectures: ['x86_64'],
    ReservedConcurrentExecutions: 25,
    Environment: {
      Variables: {
        AWS_LAMBDA_EXEC_WRAPPER: LAYER_PATHS.execWrapper,
        LAMBDA_DISPATCH_PORT: '8080',
        AWS_LAMBDA_FUNCTION_TIMEOUT: '300',
        LAMBDA_DISPATCH_READINESS_PATH: '/ready',
        PORT: '8080',
      },
    },
  })
})

test('the function role has only the basic and VPC-access managed policies', () => {
  const { template } = build((scope) => ({
    kind: 'zip',
    code: bucketCode(scope, 'app.zip'),
    handler: 'run.sh',
    layer: lambda.LayerVersion.fromLayerVersionArn(scope, 'Layer', LAYER_ARN),
  }))
  const roles = Object.values(template.findResources('AWS::IAM::Role'))
  assert.equal(roles.length, 1)
  const [role] = roles
  assert.ok(role)
  const managed = JSON.stringify((role.Properties as Record<string, unknown>).ManagedPolicyArns)
  assert.match(managed, /service-role\/AWSLambdaBasicExecutionRole/)
  assert.match(managed, /service-role\/AWSLambdaVPCAccessExecutionRole/)
  template.resourceCountIs('AWS::IAM::Policy', 0)
})

test('an app port outside 1-65535 is refused at synth', () => {
  assert.throws(
    () =>
      build(
        (scope) => ({
          kind: 'zip',
          code: bucketCode(scope, 'app.zip'),
          handler: 'run.sh',
          layer: lambda.LayerVersion.fromLayerVersionArn(scope, 'Layer', LAYER_ARN),
        }),
        { appPort: 70000 },
      ),
    /appPort must be an integer 1-65535, got 70000/,
  )
})
