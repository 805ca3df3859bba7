import { Duration, type RemovalPolicy } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import {
  ROUTER_CLOSE_AFTER_DRAIN_SECONDS,
  ROUTER_DEFAULT_PORTS,
  ROUTER_DEFAULT_SHUTDOWN_TIMEOUT_SECONDS,
  ROUTER_ENV,
} from './router-settings.js'

// The router as an ECS Fargate service behind an ALB listener. It owns the task role (invoke only the configured
// functions), the router security group (ALB → front door and, for its health checks, the admin port; Lambdas → the
// advertised control port only) and CPU autoscaling.

/** How the Lambdas dial back: `http` is h2c on the insecure control port, `https` is TLS (ALPN h2). */
export type ControlChannelScheme = 'http' | 'https'

/** Router settings that the construct writes as `LAMBDA_DISPATCH_*` environment variables (docs/router.md). */
export interface RouterSettings {
  /** Requests in flight per Lambda instance (`MaxConcurrentCount`). Router default when unset. */
  readonly maxConcurrentCount?: number
  /** Channels each instance opens (`ChannelCount`). Router default when unset. */
  readonly channelCount?: number
  /** `InstanceCountMultiplier`. Router default when unset. */
  readonly instanceCountMultiplier?: number
  /** `simple` or `ewma` (`ScalingAlgorithm`). Router default when unset. */
  readonly scalingAlgorithm?: 'simple' | 'ewma'
  /** Cap on running instances per pool (`MaxInstances`): the main cost cap. Router default when unset. */
  readonly maxInstances?: number
  /** Cap on invokes per minute per pool (`MaxInvokesPerMinute`): bounds spend when every invoke fails. */
  readonly maxInvokesPerMinute?: number
  /** Cap on queued requests per pool (`QueueLimit`); beyond it clients get 503 + Retry-After. */
  readonly queueLimit?: number
  /** Instances kept up per pool even when idle (`MinInstances`): each one costs GB-seconds all the time. */
  readonly minInstances?: number
  /** The functions' configured timeout (`FunctionTimeout`): bounds each invoke's HTTP request. Router default 15 min. */
  readonly functionTimeout?: Duration
  /** Drain time after SIGTERM (`ShutdownTimeout`). Must stay below the container's stop timeout. Router default 20 s. */
  readonly shutdownTimeout?: Duration
  /** Anything else, verbatim (for example `LAMBDA_DISPATCH_LogLevel`). Wins over the values above. */
  readonly extraEnvironment?: Record<string, string>
}

/** Listener ports of the router container; each defaults to the router's own default. */
export interface RouterPorts {
  readonly frontDoorHttp?: number
  readonly controlInsecureHttp2?: number
  readonly controlTlsHttp2?: number
  readonly admin?: number
}

/** Where to put the router target group on the listener. Required for an imported listener. */
export interface RouterListenerRule {
  readonly priority: number
  readonly conditions: elbv2.ListenerCondition[]
}

export interface EcsConstructProps {
  readonly vpc: ec2.IVpc
  /** Subnets for the tasks. Default: private subnets with egress (the router calls the Lambda API). */
  readonly vpcSubnets?: ec2.SubnetSelection
  readonly cluster: ecs.ICluster
  /** The router image (deploy/router/Dockerfile), for example from ECR. */
  readonly image: ecs.ContainerImage
  /**
   * The functions the router may invoke. The first is the default pool (`FunctionName`); the others form the
   * `X-Lambda-Name` allow-list (`AllowedLambdaNames`, by ARN). The task role may invoke exactly these (and their
   * versions and aliases), nothing else.
   */
  readonly functions: readonly lambda.IFunction[]
  /** Security groups of those functions: the only sources allowed on the control port. */
  readonly lambdaSecurityGroups: readonly ec2.ISecurityGroup[]
  /** The ALB listener that sends client traffic to the router's front door. */
  readonly listener: elbv2.IApplicationListener
  /** A rule on the listener; without it the router becomes the listener's default action. */
  readonly listenerRule?: RouterListenerRule
  /**
   * Default `https`: TLS with the router's self-signed certificate, pinned by our extension through the invoke
   * payload. `http` is h2c inside the VPC, fenced only by security groups (what the original's construct used).
   */
  readonly controlChannelScheme?: ControlChannelScheme
  /**
   * Where the ALB health check probes `/health`. `admin` (default): the admin listener (`AdminPort`), which then binds
   * `0.0.0.0` and opens to the ALB's security group only. `front-door`: the client port (the router answers it without
   * a Lambda), and the admin listener stays on loopback. The container health check probes the admin `/health` on
   * loopback either way.
   */
  readonly healthCheckListener?: 'front-door' | 'admin'
  /**
   * `TrustForwardedHeaders`. Default true: the ALB appends the client's address to X-Forwarded-For and sets
   * X-Forwarded-Proto, so the router appends its peer (the ALB) instead of replacing the chain, and the app finds the
   * client second from the right. The ALB passes a client's X-Forwarded-Host and Forwarded through untouched: an app
   * that uses them must validate them. Set false only when nothing sets these headers in front of the router.
   */
  readonly trustForwardedHeaders?: boolean
  readonly router?: RouterSettings
  /** Router ports; defaults are the router's own (`ROUTER_DEFAULT_PORTS`). */
  readonly ports?: RouterPorts
  /** Fargate task size. Default 1024 (one vCPU: the router runs one event loop) and 2048 MiB. */
  readonly cpuUnits?: number
  readonly memoryMiB?: number
  /** Default ARM64 (cheaper per vCPU-hour on Fargate). */
  readonly cpuArchitecture?: ecs.CpuArchitecture
  /** Run on Fargate Spot (interruptible, with a two-minute warning). Default false. */
  readonly useFargateSpot?: boolean
  /** With Spot: this many tasks always run on regular Fargate. Default 0. */
  readonly onDemandBaseTasks?: number
  /** Task count bounds for autoscaling. Default 1..10. */
  readonly minTasks?: number
  readonly maxTasks?: number
  /** Target average CPU for autoscaling. Default 50 %: Node has one event loop per task, so leave headroom. */
  readonly cpuTargetPercent?: number
  /**
   * Time ECS gives the router between SIGTERM and SIGKILL. Default 60 s (Fargate max 120 s). Must cover the router's
   * ShutdownTimeout plus its goaway-and-wait for the invokes (docs/router.md, "Shutdown").
   */
  readonly stopTimeout?: Duration
  /** ALB deregistration delay. Default 30 s. */
  readonly deregistrationDelay?: Duration
  readonly logRetention?: logs.RetentionDays
  readonly logRemovalPolicy?: RemovalPolicy
}

/** The Lambda Dispatch router on ECS Fargate behind an ALB listener. */
export class EcsConstruct extends Construct {
  readonly service: ecs.FargateService
  readonly taskDefinition: ecs.FargateTaskDefinition
  readonly container: ecs.ContainerDefinition
  readonly taskRole: iam.Role
  /** The router tasks' security group. */
  readonly securityGroup: ec2.SecurityGroup
  readonly targetGroup: elbv2.ApplicationTargetGroup
  readonly logGroup: logs.LogGroup
  /** The port the Lambdas dial back on (the advertised control port). */
  readonly controlPort: number
  readonly frontDoorPort: number
  /** The admin listener's port: the container health check probes its `/health` on loopback. */
  readonly adminPort: number
  /** The port the ALB health check probes (the admin listener or the front door). */
  readonly healthCheckPort: number

  constructor(scope: Construct, id: string, props: EcsConstructProps) {
    super(scope, id)
    const [defaultFunction] = props.functions
    if (!defaultFunction) throw new Error('EcsConstruct: functions must name at least one Lambda function')
    if (props.lambdaSecurityGroups.length === 0) {
      throw new Error('EcsConstruct: lambdaSecurityGroups must name the security group(s) of the functions')
    }

    const scheme = props.controlChannelScheme ?? 'https'
    this.frontDoorPort = props.ports?.frontDoorHttp ?? ROUTER_DEFAULT_PORTS.frontDoorHttp
    const adminPort = props.ports?.admin ?? ROUTER_DEFAULT_PORTS.admin
    this.adminPort = adminPort
    const healthOnAdmin = (props.healthCheckListener ?? 'admin') === 'admin'
    this.healthCheckPort = healthOnAdmin ? adminPort : this.frontDoorPort
    const insecurePort = props.ports?.controlInsecureHttp2 ?? ROUTER_DEFAULT_PORTS.controlInsecureHttp2
    const tlsPort = props.ports?.controlTlsHttp2 ?? ROUTER_DEFAULT_PORTS.controlTlsHttp2
    this.controlPort = scheme === 'http' ? insecurePort : tlsPort

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'Lambda Dispatch router: invoke the configured functions, nothing else',
    })
    // Least privilege: the function ARNs and their qualified forms (versions, aliases), never a wildcard function.
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeConfiguredFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: props.functions.flatMap((fn) => [fn.functionArn, `${fn.functionArn}:*`]),
      }),
    )

    const stopTimeout = props.stopTimeout ?? Duration.seconds(60)
    const shutdownSeconds = props.router?.shutdownTimeout?.toSeconds() ?? ROUTER_DEFAULT_SHUTDOWN_TIMEOUT_SECONDS
    // ECS sends SIGKILL at the stop timeout; the router drains for ShutdownTimeout, then waits (bounded) for the
    // invokes it sent goaway to. A SIGKILL before that cuts streams the router meant to finish.
    if (shutdownSeconds + ROUTER_CLOSE_AFTER_DRAIN_SECONDS > stopTimeout.toSeconds()) {
      throw new Error(
        `EcsConstruct: stopTimeout (${stopTimeout.toSeconds()} s) must be at least the router's ShutdownTimeout ` +
          `(${shutdownSeconds} s) + ${ROUTER_CLOSE_AFTER_DRAIN_SECONDS} s`,
      )
    }

    const cpuArchitecture = props.cpuArchitecture ?? ecs.CpuArchitecture.ARM64
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpuUnits ?? 1024,
      memoryLimitMiB: props.memoryMiB ?? 2048,
      taskRole: this.taskRole,
      runtimePlatform: { cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    })

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_WEEK,
      removalPolicy: props.logRemovalPolicy,
    })

    this.container = this.taskDefinition.addContainer('Router', {
      containerName: 'router',
      image: props.image,
      essential: true,
      environment: routerEnvironment({
        functionArns: props.functions.map((fn) => fn.functionArn),
        scheme,
        frontDoorPort: this.frontDoorPort,
        insecurePort,
        tlsPort,
        adminPort,
        adminReachableFromAlb: healthOnAdmin,
        trustForwardedHeaders: props.trustForwardedHeaders ?? true,
        settings: props.router ?? {},
      }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'router' }),
      // ECS ignores the image's HEALTHCHECK, so the same probe is declared here: the admin /health on loopback, which
      // the container reaches whatever AdminHost is (the probe runs in the task's network namespace). Node's fetch:
      // slim has no curl.
      healthCheck: {
        command: ['CMD', 'node', '-e', healthProbe(adminPort)],
        interval: Duration.seconds(10),
        timeout: Duration.seconds(3),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      stopTimeout,
      portMappings: [
        { name: 'front-door', containerPort: this.frontDoorPort, protocol: ecs.Protocol.TCP },
        { name: 'control', containerPort: this.controlPort, protocol: ecs.Protocol.TCP },
        ...(healthOnAdmin ? [{ name: 'admin', containerPort: adminPort, protocol: ecs.Protocol.TCP }] : []),
      ],
    })

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Lambda Dispatch router tasks',
      // Outbound: the Lambda API, ECR, CloudWatch Logs and the task metadata endpoint.
      allowAllOutbound: true,
    })
    // The Lambdas may reach the router on the advertised control port and nothing else.
    props.lambdaSecurityGroups.forEach((lambdaSecurityGroup) => {
      this.securityGroup.addIngressRule(
        lambdaSecurityGroup,
        ec2.Port.tcp(this.controlPort),
        `Lambda Dispatch control channel (${scheme === 'http' ? 'h2c' : 'TLS'}) from the functions`,
      )
    })

    const useSpot = props.useFargateSpot ?? false
    const onDemandBaseTasks = props.onDemandBaseTasks ?? 0
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: props.minTasks ?? 1,
      assignPublicIp: false,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      capacityProviderStrategies: useSpot
        ? [
            ...(onDemandBaseTasks > 0 ? [{ capacityProvider: 'FARGATE', base: onDemandBaseTasks, weight: 0 }] : []),
            { capacityProvider: 'FARGATE_SPOT', weight: 1 },
          ]
        : [{ capacityProvider: 'FARGATE', weight: 1 }],
    })

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: this.frontDoorPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service.loadBalancerTarget({ containerName: 'router', containerPort: this.frontDoorPort })],
      healthCheck: {
        path: '/health',
        port: String(this.healthCheckPort),
        protocol: elbv2.Protocol.HTTP,
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      deregistrationDelay: props.deregistrationDelay ?? Duration.seconds(30),
    })
    if (props.listenerRule) {
      new elbv2.ApplicationListenerRule(this, 'ListenerRule', {
        listener: props.listener,
        priority: props.listenerRule.priority,
        conditions: props.listenerRule.conditions,
        targetGroups: [this.targetGroup],
      })
    } else {
      props.listener.addTargetGroups('Router', { targetGroups: [this.targetGroup] })
    }
    // Attaching the target group lets the ALB reach the front door; health checks on the admin port need that too.
    if (healthOnAdmin) {
      this.securityGroup.connections.allowFrom(
        props.listener,
        ec2.Port.tcp(adminPort),
        'ALB health checks on the router admin port',
      )
    }

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: props.minTasks ?? 1,
      maxCapacity: props.maxTasks ?? 10,
    })
    scaling.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: props.cpuTargetPercent ?? 50,
      scaleInCooldown: Duration.seconds(120),
      scaleOutCooldown: Duration.seconds(60),
    })
  }
}

interface RouterEnvironmentInput {
  readonly functionArns: readonly string[]
  readonly scheme: ControlChannelScheme
  readonly frontDoorPort: number
  readonly insecurePort: number
  readonly tlsPort: number
  readonly adminPort: number
  /** The ALB health-checks the admin port, so the listener must bind beyond loopback. */
  readonly adminReachableFromAlb: boolean
  readonly trustForwardedHeaders: boolean
  readonly settings: RouterSettings
}

/** The router's environment. The callback address is left to the router: it reads it from ECS task metadata v4. */
function routerEnvironment(input: RouterEnvironmentInput): Record<string, string> {
  const { settings } = input
  const [defaultArn, ...otherArns] = input.functionArns
  const optional: Record<string, number | string | undefined> = {
    // The router refuses an allow-list that repeats FunctionName: the default pool needs no entry.
    [ROUTER_ENV.allowedLambdaNames]: otherArns.length > 0 ? otherArns.join(',') : undefined,
    // The admin listener binds loopback by default; the ALB's health check reaches it on the task's address.
    [ROUTER_ENV.adminHost]: input.adminReachableFromAlb ? '0.0.0.0' : undefined,
    [ROUTER_ENV.minInstances]: settings.minInstances,
    [ROUTER_ENV.functionTimeout]: settings.functionTimeout && `${settings.functionTimeout.toSeconds()}s`,
    [ROUTER_ENV.shutdownTimeout]: settings.shutdownTimeout && `${settings.shutdownTimeout.toSeconds()}s`,
    [ROUTER_ENV.maxConcurrentCount]: settings.maxConcurrentCount,
    [ROUTER_ENV.channelCount]: settings.channelCount,
    [ROUTER_ENV.instanceCountMultiplier]: settings.instanceCountMultiplier,
    [ROUTER_ENV.scalingAlgorithm]: settings.scalingAlgorithm,
    [ROUTER_ENV.maxInstances]: settings.maxInstances,
    [ROUTER_ENV.maxInvokesPerMinute]: settings.maxInvokesPerMinute,
    [ROUTER_ENV.queueLimit]: settings.queueLimit,
  }
  const environment: Record<string, string> = {
    [ROUTER_ENV.functionName]: defaultArn as string,
    [ROUTER_ENV.frontDoorHttpPort]: String(input.frontDoorPort),
    [ROUTER_ENV.controlInsecurePort]: String(input.insecurePort),
    [ROUTER_ENV.controlTlsPort]: String(input.tlsPort),
    // Written even at the default, so the container health check and the router never disagree on the port.
    [ROUTER_ENV.adminPort]: String(input.adminPort),
    [ROUTER_ENV.allowInsecureControlChannel]: String(input.scheme === 'http'),
    [ROUTER_ENV.preferredControlChannelScheme]: input.scheme,
    [ROUTER_ENV.trustForwardedHeaders]: String(input.trustForwardedHeaders),
  }
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined) environment[name] = String(value)
  }
  return { ...environment, ...settings.extraEnvironment }
}

/** A one-line Node program that exits 0 only when `/health` on `port` answers 2xx within 2 s. */
export function healthProbe(port: number): string {
  return `fetch('http://127.0.0.1:${port}/health',{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`
}
