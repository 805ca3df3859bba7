import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecr from 'aws-cdk-lib/aws-ecr'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import type { Construct } from 'constructs'
import { EcsConstruct, type RouterSettings } from '../lib/ecs-construct.js'
import { LambdaConstruct } from '../lib/lambda-construct.js'

// An example deployment: an internet-facing ALB, the router on Fargate, and the demo app as a zip function with the
// extension layer, all in an existing VPC given by attributes (so `cdk synth` needs no AWS lookups).

export interface ExampleStackProps extends StackProps {
  readonly vpc: ec2.VpcAttributes
  /** The app package: a zip whose `handler` file the layer's exec wrapper starts. */
  readonly appCode: lambda.Code
  readonly appHandler: string
  /** The extension layer zip (dist/lambda-dispatch-layer.zip). */
  readonly layerCode: lambda.Code
  /** ECR repository name and tag of the router image (deploy/router/Dockerfile). */
  readonly routerRepositoryName: string
  readonly routerImageTag: string
  /** An ACM certificate for an HTTPS listener; without it the example listens on plain HTTP port 80. */
  readonly certificateArn?: string
  readonly router?: RouterSettings
  /** Lambda reserved concurrency: the hard cap on environments (unset: the account's unreserved pool). */
  readonly reservedConcurrentExecutions?: number
  readonly useFargateSpot?: boolean
}

export class ExampleStack extends Stack {
  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, props)
    const vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', props.vpc)

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    })
    const listener = props.certificateArn
      ? loadBalancer.addListener('Https', {
          port: 443,
          protocol: elbv2.ApplicationProtocol.HTTPS,
          certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
          sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        })
      : loadBalancer.addListener('Http', { port: 80, protocol: elbv2.ApplicationProtocol.HTTP })
    if (props.certificateArn) loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443 })

    const app = new LambdaConstruct(this, 'App', {
      vpc,
      app: { kind: 'zip', code: props.appCode, handler: props.appHandler, layer: { code: props.layerCode } },
      // The demo app reads PORT; the extension reads LAMBDA_DISPATCH_PORT (set from appPort).
      environment: { PORT: '3001' },
      appPort: 3001,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    })

    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, enableFargateCapacityProviders: true })
    const repository = ecr.Repository.fromRepositoryName(this, 'RouterRepository', props.routerRepositoryName)
    const router = new EcsConstruct(this, 'Router', {
      vpc,
      cluster,
      image: ecs.ContainerImage.fromEcrRepository(repository, props.routerImageTag),
      functions: [app.function],
      lambdaSecurityGroups: [app.securityGroup],
      listener,
      // The router bounds each invoke by the function's timeout plus a margin.
      router: { functionTimeout: app.timeout, ...props.router },
      useFargateSpot: props.useFargateSpot,
    })

    new CfnOutput(this, 'Url', {
      value: `${props.certificateArn ? 'https' : 'http'}://${loadBalancer.loadBalancerDnsName}`,
    })
    new CfnOutput(this, 'FunctionName', { value: app.function.functionName })
    new CfnOutput(this, 'RouterLogGroup', { value: router.logGroup.logGroupName })
  }
}
