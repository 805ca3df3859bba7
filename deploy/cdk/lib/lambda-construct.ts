import { Duration } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { ExtensionLayer, NODE_RUNTIMES_WITH_NODE } from './extension-layer.js'
import { DEFAULT_APP_PORT, EXTENSION_ENV, LAYER_PATHS } from './router-settings.js'

// The user's web app as a Lambda function with the Lambda Dispatch extension, in the VPC beside the router.
// Two packagings: a zip with the extension layer (on a Node runtime, or on any Amazon Linux 2023 runtime with the
// self-contained layer that brings its own Node), or a container image that already has
// /opt/extensions/lambda-dispatch in it (docs/deploy-aws.md, "Container-image functions").

/** A zip-packaged app on a managed runtime; the extension comes from the layer. */
export interface ZipAppCode {
  readonly kind: 'zip'
  readonly code: lambda.Code
  /**
   * What the layer's exec wrapper starts instead of the runtime's own client: an executable in the package
   * (`run.sh`) or a JavaScript file run with node (`server.js`). The extension talks to the Runtime API.
   */
  readonly handler: string
  /**
   * Default Node.js 22. With the layer without Node, a runtime with `/var/lang/bin/node` (`NODE_RUNTIMES_WITH_NODE`);
   * with the self-contained layer, any of `SELF_CONTAINED_LAYER_RUNTIMES` (Python, Java, .NET, Ruby, provided.al2023).
   */
  readonly runtime?: lambda.Runtime
  /**
   * The extension layer: an existing one, or the code of a new one. `withNode: true` says the code is the
   * self-contained layer built for the function's `architecture` (`selfContainedLayerZip(architecture)`).
   */
  readonly layer: lambda.ILayerVersion | { readonly code: lambda.Code; readonly withNode?: boolean }
}

/** A container-image app whose image already holds the extension (`COPY --from=…`). */
export interface ImageAppCode {
  readonly kind: 'image'
  readonly code: lambda.DockerImageCode
}

export type LambdaAppCode = ZipAppCode | ImageAppCode

export interface LambdaConstructProps {
  readonly vpc: ec2.IVpc
  /** Default: private subnets with egress. The function needs no inbound rule: the extension dials out. */
  readonly vpcSubnets?: ec2.SubnetSelection
  readonly app: LambdaAppCode
  /** The port the app listens on at 127.0.0.1 (`LAMBDA_DISPATCH_PORT`). Default 3001. */
  readonly appPort?: number
  /** Default 512 MiB: room for the app, the extension's Node process and `MaxConcurrentCount` requests. */
  readonly memorySizeMiB?: number
  /** Default 60 s. Each invoke holds its channels until shortly before this deadline, then returns. */
  readonly timeout?: Duration
  /** Default ARM64. */
  readonly architecture?: lambda.Architecture
  /**
   * Reserved concurrency: a hard ceiling on concurrent environments, enforced by Lambda itself, whatever the
   * router does. Unset by default; set it in production (docs/deploy-aws.md, "Caps").
   */
  readonly reservedConcurrentExecutions?: number
  /** Extra settings for the extension (docs/extension.md) and the app. */
  readonly environment?: Record<string, string>
  readonly functionName?: string
  readonly description?: string
  /** Outbound of the function's security group. Default true (the app may need databases, APIs). */
  readonly allowAllOutbound?: boolean
  readonly logRetention?: logs.RetentionDays
}

/** The app function plus the security group the router construct admits on its control port. */
export class LambdaConstruct extends Construct {
  readonly function: lambda.Function
  readonly securityGroup: ec2.SecurityGroup
  readonly logGroup: logs.LogGroup
  /** The layer attached to a zip function; undefined for a container image. */
  readonly layer?: lambda.ILayerVersion
  /** The function timeout, for the router's `FunctionTimeout`. */
  readonly timeout: Duration

  constructor(scope: Construct, id: string, props: LambdaConstructProps) {
    super(scope, id)
    const appPort = props.appPort ?? DEFAULT_APP_PORT
    if (!Number.isInteger(appPort) || appPort < 1 || appPort > 65535) {
      throw new Error(`LambdaConstruct: appPort must be an integer 1-65535, got ${appPort}`)
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Lambda Dispatch function (dials out to the router control port; no inbound)',
      allowAllOutbound: props.allowAllOutbound ?? true,
    })
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
    })

    const timeout = props.timeout ?? Duration.seconds(60)
    this.timeout = timeout
    const environment: Record<string, string> = {
      [EXTENSION_ENV.appPort]: String(appPort),
      [EXTENSION_ENV.functionTimeoutSeconds]: String(timeout.toSeconds()),
      ...props.environment,
    }
    const common = {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      memorySize: props.memorySizeMiB ?? 512,
      timeout,
      architecture: props.architecture ?? lambda.Architecture.ARM_64,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      functionName: props.functionName,
      description: props.description ?? 'Web app served through Lambda Dispatch',
      logGroup: this.logGroup,
    }

    if (props.app.kind === 'zip') {
      const { app } = props
      const runtime = app.runtime ?? lambda.Runtime.NODEJS_22_X
      this.layer = 'code' in app.layer ? this.#newLayer(app.layer, runtime, common.architecture) : app.layer
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        code: app.code,
        handler: app.handler,
        runtime,
        layers: [this.layer],
        // The wrapper replaces the runtime's own client with the app: only the extension polls the Runtime API.
        environment: { AWS_LAMBDA_EXEC_WRAPPER: LAYER_PATHS.execWrapper, ...environment },
      })
    } else {
      this.function = new lambda.DockerImageFunction(this, 'Function', {
        ...common,
        code: props.app.code,
        environment,
      })
    }
  }

  /** The layer from its code; the one without Node only on a runtime that has Node, refused at synth otherwise. */
  #newLayer(
    layer: { readonly code: lambda.Code; readonly withNode?: boolean },
    runtime: lambda.Runtime,
    architecture: lambda.Architecture,
  ): lambda.ILayerVersion {
    if (layer.withNode) {
      return new ExtensionLayer(this, 'ExtensionLayer', { code: layer.code, nodeArchitecture: architecture }).layer
    }
    if (!NODE_RUNTIMES_WITH_NODE.some((candidate) => candidate.runtimeEquals(runtime))) {
      throw new Error(
        `LambdaConstruct: ${runtime.name} has no Node for the extension; use the self-contained layer ` +
          '(layer: { code: <dist/lambda-dispatch-layer-with-node-<arch>.zip>, withNode: true }) or a Node.js runtime',
      )
    }
    return new ExtensionLayer(this, 'ExtensionLayer', { code: layer.code }).layer
  }
}
