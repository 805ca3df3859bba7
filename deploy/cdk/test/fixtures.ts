// Builds stacks for the construct tests from fixed inputs only (committed fixture code, S3 objects, an ECR tag, VPC
// attributes), so the synthesized templates never depend on build output or AWS lookups.
import { join } from 'node:path'
import { App, Stack } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as s3 from 'aws-cdk-lib/aws-s3'
import { ExampleStack, type ExampleStackProps } from '../bin/example-stack.js'
import { EcsConstruct, type EcsConstructProps } from '../lib/ecs-construct.js'
import { LambdaConstruct, type LambdaConstructProps } from '../lib/lambda-construct.js'

export const ENV = { account: '111122223333', region: 'eu-west-1' } as const

export const VPC_ATTRIBUTES: ec2.VpcAttributes = {
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  vpcCidrBlock: '10.20.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  publicSubnetIds: ['subnet-0a0000000000000a1', 'subnet-0a0000000000000a2'],
  privateSubnetIds: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
  publicSubnetRouteTableIds: ['rtb-0a0000000000000a1', 'rtb-0a0000000000000a1'],
  privateSubnetRouteTableIds: ['rtb-0b0000000000000b1', 'rtb-0b0000000000000b2'],
}

function bucketCode(stack: Stack, id: string, key: string): lambda.Code {
  return lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, id, 'fixture-artifacts'), key)
}

/** Small committed directories as assets: their content hashes, and so the templates, only change with them. */
const FIXTURE_APP_CODE = join(import.meta.dirname, 'fixtures', 'app')
const FIXTURE_LAYER_CODE = join(import.meta.dirname, 'fixtures', 'layer')

/** CDK's template validation turns its findings into errors instead of warnings. */
export function strictApp(): App {
  return new App({ context: { '@aws-cdk/core:validateAgainstDefaultRules': true } })
}

export function exampleStackProps(overrides: Partial<ExampleStackProps> = {}): ExampleStackProps {
  return {
    env: ENV,
    vpc: VPC_ATTRIBUTES,
    appCode: lambda.Code.fromAsset(FIXTURE_APP_CODE),
    appHandler: 'run.sh',
    layerCode: lambda.Code.fromAsset(FIXTURE_LAYER_CODE),
    routerRepositoryName: 'lambda-dispatch-router',
    routerImageTag: '0.1.0',
    router: { maxConcurrentCount: 10, maxInstances: 50, maxInvokesPerMinute: 600, queueLimit: 1000 },
    ...overrides,
  }
}

/** The example stack built from the committed fixture code, as the snapshot test synthesizes it. */
export function buildExampleStack(overrides: Partial<ExampleStackProps> = {}): ExampleStack {
  return new ExampleStack(strictApp(), 'Example', exampleStackProps(overrides))
}

export interface RouterFixture {
  readonly stack: Stack
  readonly router: EcsConstruct
  readonly functions: LambdaConstruct[]
  readonly loadBalancer: elbv2.ApplicationLoadBalancer
}

/** A stack with `functionCount` zip functions and the router in front of them, on a fresh listener. */
export function buildRouterStack(
  options: {
    functionCount?: number
    router?: Partial<Omit<EcsConstructProps, 'vpc' | 'cluster' | 'image' | 'functions' | 'listener'>>
    lambda?: Partial<Omit<LambdaConstructProps, 'vpc'>>
  } = {},
): RouterFixture {
  const stack = new Stack(strictApp(), 'Fixture', { env: ENV })
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', VPC_ATTRIBUTES)
  const layer = lambda.LayerVersion.fromLayerVersionArn(
    stack,
    'Layer',
    `arn:aws:lambda:${ENV.region}:${ENV.account}:layer:lambda-dispatch:7`,
  )
  const functions = Array.from({ length: options.functionCount ?? 1 }, (_, index) => {
    return new LambdaConstruct(stack, `App${index}`, {
      vpc,
      app: { kind: 'zip', code: bucketCode(stack, `AppCode${index}`, `app-${index}.zip`), handler: 'run.sh', layer },
      ...options.lambda,
    })
  })
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'LoadBalancer', { vpc, internetFacing: true })
  const listener = loadBalancer.addListener('Http', { port: 80 })
  // With a rule the router is not the default action, and an ALB listener needs one.
  if (options.router?.listenerRule) {
    listener.addAction('NotFound', { action: elbv2.ListenerAction.fixedResponse(404) })
  }
  const router = new EcsConstruct(stack, 'Router', {
    vpc,
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc }),
    image: ecs.ContainerImage.fromEcrRepository(
      ecr.Repository.fromRepositoryName(stack, 'Repository', 'lambda-dispatch-router'),
      '0.1.0',
    ),
    functions: functions.map((construct) => construct.function),
    lambdaSecurityGroups: functions.map((construct) => construct.securityGroup),
    listener,
    ...options.router,
  })
  return { stack, router, functions, loadBalancer }
}
