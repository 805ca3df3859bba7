// EcsConstruct: least-privilege IAM, security-group rules, router environment, ports, health checks, Spot/ARM64.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Duration } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import { healthProbe } from '../lib/ecs-construct.js'
import { ROUTER_DEFAULT_PORTS, ROUTER_ENV } from '../lib/router-settings.js'
import { buildRouterStack, type RouterFixture } from './fixtures.js'

type Json = Record<string, unknown>

function resourcesOfType(template: Template, type: string): Json[] {
  return Object.values(template.findResources(type)).map((resource) => resource as Json)
}

/** A resource's Properties; fails the test when the resource is missing. */
function propertiesOf(resource: Json | undefined): Json {
  assert.ok(resource, 'the resource exists')
  return resource.Properties as Json
}

function logicalId(fixture: RouterFixture, construct: { node: { defaultChild?: unknown } }): string {
  return fixture.stack.getLogicalId(construct.node.defaultChild as never)
}

function routerContainer(template: Template): Json {
  const [taskDefinition] = resourcesOfType(template, 'AWS::ECS::TaskDefinition')
  const containers = propertiesOf(taskDefinition).ContainerDefinitions as Json[]
  assert.equal(containers.length, 1, 'the task runs the router container only')
  return containers[0] as Json
}

function environmentOf(container: Json): Record<string, unknown> {
  const entries = container.Environment as Array<{ Name: string; Value: unknown }>
  return Object.fromEntries(entries.map((entry) => [entry.Name, entry.Value]))
}

/** The task role's inline policy statements (the execution role is ECS's own: image pull, log writes). */
function taskRoleStatements(fixture: RouterFixture, template: Template): Json[] {
  const roleId = logicalId(fixture, fixture.router.taskRole)
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) => {
    const roles = (policy.Properties as Json).Roles as Array<{ Ref: string }>
    return roles.some((role) => role.Ref === roleId)
  })
  assert.equal(policies.length, 1, 'exactly one policy is attached to the task role')
  return (propertiesOf(policies[0]).PolicyDocument as Json).Statement as Json[]
}

function functionArnRef(fixture: RouterFixture, index: number): Json {
  return { 'Fn::GetAtt': [logicalId(fixture, fixture.functions[index]!.function), 'Arn'] }
}

test('the task role may call lambda:InvokeFunction on the configured functions and their qualifiers, and nothing else', () => {
  const fixture = buildRouterStack({ functionCount: 2 })
  const template = Template.fromStack(fixture.stack)
  const statements = taskRoleStatements(fixture, template)
  assert.deepEqual(statements, [
    {
      Sid: 'InvokeConfiguredFunctions',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: [
        functionArnRef(fixture, 0),
        { 'Fn::Join': ['', [functionArnRef(fixture, 0), ':*']] },
        functionArnRef(fixture, 1),
        { 'Fn::Join': ['', [functionArnRef(fixture, 1), ':*']] },
      ],
    },
  ])
  assert.equal(JSON.stringify(statements).includes('"*"'), false, 'no wildcard resource or action')
  // No managed policies on the task role either.
  const roleId = logicalId(fixture, fixture.router.taskRole)
  const role = template.toJSON().Resources[roleId] as Json
  assert.equal((role.Properties as Json).ManagedPolicyArns, undefined)
  assert.deepEqual(((role.Properties as Json).AssumeRolePolicyDocument as Json).Statement, [
    { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' } },
  ])
})

/** Ingress rules into the router's security group, as (source, port range) pairs sorted by port. */
function ingressIntoRouter(
  fixture: RouterFixture,
  template: Template,
): Array<{ from: string; port: unknown; toPort: unknown }> {
  const routerSg = logicalId(fixture, fixture.router.securityGroup)
  const albSg = fixture.stack.getLogicalId(
    fixture.loadBalancer.connections.securityGroups[0]!.node.defaultChild as never,
  )
  const lambdaSgs = fixture.functions.map((construct) => logicalId(fixture, construct.securityGroup))
  return resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')
    .map((rule) => rule.Properties as Json)
    .filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify({ 'Fn::GetAtt': [routerSg, 'GroupId'] }))
    .map((rule) => {
      const source = JSON.stringify(rule.SourceSecurityGroupId)
      const lambdaIndex = lambdaSgs.findIndex((id) => source === JSON.stringify({ 'Fn::GetAtt': [id, 'GroupId'] }))
      const from = source.includes(albSg) ? 'alb' : lambdaIndex >= 0 ? `lambda${lambdaIndex}` : `other ${source}`
      return { from, port: rule.FromPort, toPort: rule.ToPort }
    })
    .sort((a, b) => Number(a.port) - Number(b.port) || a.from.localeCompare(b.from))
}

test('by default the Lambdas reach the router only on the TLS control port, and the ALB on the front door and admin port', () => {
  const fixture = buildRouterStack({ functionCount: 2 })
  const template = Template.fromStack(fixture.stack)
  assert.deepEqual(ingressIntoRouter(fixture, template), [
    { from: 'alb', port: 5001, toPort: 5001 },
    { from: 'lambda0', port: 5004, toPort: 5004 },
    { from: 'lambda1', port: 5004, toPort: 5004 },
    { from: 'alb', port: ROUTER_DEFAULT_PORTS.admin, toPort: ROUTER_DEFAULT_PORTS.admin },
  ])
  const routerSg = logicalId(fixture, fixture.router.securityGroup)
  const lambdaSg = logicalId(fixture, fixture.functions[0]!.securityGroup)
  template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
    IpProtocol: 'tcp',
    FromPort: 5004,
    ToPort: 5004,
    GroupId: { 'Fn::GetAtt': [routerSg, 'GroupId'] },
    SourceSecurityGroupId: { 'Fn::GetAtt': [lambdaSg, 'GroupId'] },
    Description: 'Lambda Dispatch control channel (TLS) from the functions',
  })
  // No CIDR-based ingress (the original opened 5003 and 5004 to the whole VPC CIDR).
  const routerGroup = template.toJSON().Resources[routerSg] as Json
  assert.equal((routerGroup.Properties as Json).SecurityGroupIngress, undefined)
})

test('with the http scheme the Lambdas reach only the h2c control port, and 5004 stays closed', () => {
  const fixture = buildRouterStack({ router: { controlChannelScheme: 'http' } })
  const template = Template.fromStack(fixture.stack)
  assert.deepEqual(ingressIntoRouter(fixture, template), [
    { from: 'alb', port: 5001, toPort: 5001 },
    { from: 'lambda0', port: 5003, toPort: 5003 },
    { from: 'alb', port: 5005, toPort: 5005 },
  ])
  const container = routerContainer(template)
  const environment = environmentOf(container)
  assert.equal(environment[ROUTER_ENV.preferredControlChannelScheme], 'http')
  assert.equal(environment[ROUTER_ENV.allowInsecureControlChannel], 'true')
  assert.deepEqual(
    (container.PortMappings as Json[]).map((mapping) => mapping.ContainerPort),
    [5001, 5003, 5005],
  )
})

test('by default both health checks probe the admin /health: the ALB on the task address, the container on loopback', () => {
  const fixture = buildRouterStack()
  assert.equal(fixture.router.healthCheckPort, ROUTER_DEFAULT_PORTS.admin)
  const template = Template.fromStack(fixture.stack)
  assert.deepEqual(ingressIntoRouter(fixture, template), [
    { from: 'alb', port: 5001, toPort: 5001 },
    { from: 'lambda0', port: 5004, toPort: 5004 },
    { from: 'alb', port: ROUTER_DEFAULT_PORTS.admin, toPort: ROUTER_DEFAULT_PORTS.admin },
  ])
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    Port: 5001,
    HealthCheckPath: '/health',
    HealthCheckPort: String(ROUTER_DEFAULT_PORTS.admin),
  })
  const container = routerContainer(template)
  assert.deepEqual(container.PortMappings, [
    { Name: 'front-door', ContainerPort: 5001, Protocol: 'tcp' },
    { Name: 'control', ContainerPort: 5004, Protocol: 'tcp' },
    { Name: 'admin', ContainerPort: ROUTER_DEFAULT_PORTS.admin, Protocol: 'tcp' },
  ])
  assert.deepEqual((container.HealthCheck as Json).Command, [
    'CMD',
    'node',
    '-e',
    healthProbe(ROUTER_DEFAULT_PORTS.admin),
  ])
  assert.equal(environmentOf(container)[ROUTER_ENV.adminPort], String(ROUTER_DEFAULT_PORTS.admin))
  assert.equal(environmentOf(container)[ROUTER_ENV.adminHost], '0.0.0.0', 'the ALB reaches the admin port')
  assert.match(healthProbe(ROUTER_DEFAULT_PORTS.admin), /^fetch\('http:\/\/127\.0\.0\.1:5005\/health'/)
})

test("with healthCheckListener 'front-door' the ALB probes the front door, and the admin port stays on loopback", () => {
  const fixture = buildRouterStack({ router: { healthCheckListener: 'front-door' } })
  assert.equal(fixture.router.healthCheckPort, 5001)
  const template = Template.fromStack(fixture.stack)
  assert.deepEqual(ingressIntoRouter(fixture, template), [
    { from: 'alb', port: 5001, toPort: 5001 },
    { from: 'lambda0', port: 5004, toPort: 5004 },
  ])
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    Port: 5001,
    HealthCheckPath: '/health',
    HealthCheckPort: '5001',
  })
  const container = routerContainer(template)
  assert.deepEqual(container.PortMappings, [
    { Name: 'front-door', ContainerPort: 5001, Protocol: 'tcp' },
    { Name: 'control', ContainerPort: 5004, Protocol: 'tcp' },
  ])
  // The container check runs inside the task, so it still reaches the loopback-bound admin listener.
  assert.deepEqual((container.HealthCheck as Json).Command, [
    'CMD',
    'node',
    '-e',
    healthProbe(ROUTER_DEFAULT_PORTS.admin),
  ])
  const environment = environmentOf(container)
  assert.equal(environment[ROUTER_ENV.adminPort], String(ROUTER_DEFAULT_PORTS.admin))
  assert.equal(ROUTER_ENV.adminHost in environment, false, 'the admin listener keeps its loopback default')
})

test('the Lambda security group has no inbound rules: the extension only dials out', () => {
  const fixture = buildRouterStack()
  const template = Template.fromStack(fixture.stack)
  const lambdaSg = logicalId(fixture, fixture.functions[0]!.securityGroup)
  const group = template.toJSON().Resources[lambdaSg] as Json
  assert.equal((group.Properties as Json).SecurityGroupIngress, undefined)
  const intoLambda = resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress').filter(
    (rule) =>
      JSON.stringify((rule.Properties as Json).GroupId) === JSON.stringify({ 'Fn::GetAtt': [lambdaSg, 'GroupId'] }),
  )
  assert.deepEqual(intoLambda, [])
})

test('the router container gets its environment: default function, allow-list of the others, ports, TLS control, caps', () => {
  const fixture = buildRouterStack({
    functionCount: 3,
    router: {
      router: {
        maxConcurrentCount: 8,
        maxInstances: 40,
        maxInvokesPerMinute: 300,
        queueLimit: 500,
        minInstances: 1,
        functionTimeout: Duration.seconds(90),
        shutdownTimeout: Duration.seconds(30),
      },
    },
  })
  const template = Template.fromStack(fixture.stack)
  const environment = environmentOf(routerContainer(template))
  assert.deepEqual(environment, {
    [ROUTER_ENV.functionName]: functionArnRef(fixture, 0),
    // The router refuses an allow-list that repeats FunctionName, so it names the other functions only.
    [ROUTER_ENV.allowedLambdaNames]: {
      'Fn::Join': ['', [functionArnRef(fixture, 1), ',', functionArnRef(fixture, 2)]],
    },
    [ROUTER_ENV.frontDoorHttpPort]: '5001',
    [ROUTER_ENV.controlInsecurePort]: '5003',
    [ROUTER_ENV.controlTlsPort]: '5004',
    [ROUTER_ENV.adminPort]: '5005',
    [ROUTER_ENV.adminHost]: '0.0.0.0',
    [ROUTER_ENV.allowInsecureControlChannel]: 'false',
    [ROUTER_ENV.preferredControlChannelScheme]: 'https',
    [ROUTER_ENV.trustForwardedHeaders]: 'true',
    [ROUTER_ENV.maxConcurrentCount]: '8',
    [ROUTER_ENV.maxInstances]: '40',
    [ROUTER_ENV.maxInvokesPerMinute]: '300',
    [ROUTER_ENV.queueLimit]: '500',
    [ROUTER_ENV.minInstances]: '1',
    [ROUTER_ENV.functionTimeout]: '90s',
    [ROUTER_ENV.shutdownTimeout]: '30s',
  })
  // The callback address is discovered from ECS task metadata v4: nothing forces it.
  assert.equal('LAMBDA_DISPATCH_RouterCallbackHost' in environment, false)
})

test('with one function there is no allow-list: X-Lambda-Name can only name the default pool', () => {
  const fixture = buildRouterStack()
  const environment = environmentOf(routerContainer(Template.fromStack(fixture.stack)))
  assert.equal(ROUTER_ENV.allowedLambdaNames in environment, false)
  assert.deepEqual(environment[ROUTER_ENV.functionName], functionArnRef(fixture, 0))
})

test('extraEnvironment reaches the container verbatim and wins over the typed settings', () => {
  const fixture = buildRouterStack({
    router: {
      router: {
        maxInstances: 40,
        extraEnvironment: { [ROUTER_ENV.maxInstances]: '7', LAMBDA_DISPATCH_LogLevel: 'debug' },
      },
    },
  })
  const environment = environmentOf(routerContainer(Template.fromStack(fixture.stack)))
  assert.equal(environment[ROUTER_ENV.maxInstances], '7')
  assert.equal(environment.LAMBDA_DISPATCH_LogLevel, 'debug')
})

test('the container maps the front-door, control and admin ports and its health check probes the admin /health', () => {
  const fixture = buildRouterStack()
  const container = routerContainer(Template.fromStack(fixture.stack))
  assert.deepEqual(container.PortMappings, [
    { Name: 'front-door', ContainerPort: 5001, Protocol: 'tcp' },
    { Name: 'control', ContainerPort: 5004, Protocol: 'tcp' },
    { Name: 'admin', ContainerPort: 5005, Protocol: 'tcp' },
  ])
  assert.deepEqual(container.HealthCheck, {
    Command: ['CMD', 'node', '-e', healthProbe(5005)],
    Interval: 10,
    Timeout: 3,
    Retries: 3,
    StartPeriod: 15,
  })
  assert.equal(container.StopTimeout, 60)
  assert.equal(container.Name, 'router')
  assert.equal(container.Essential, true)
})

test('custom ports move the mappings, the environment, the target group and the rules together', () => {
  const fixture = buildRouterStack({
    router: { ports: { frontDoorHttp: 8080, controlTlsHttp2: 8443, admin: 9000 } },
  })
  const template = Template.fromStack(fixture.stack)
  const container = routerContainer(template)
  assert.deepEqual(
    (container.PortMappings as Json[]).map((mapping) => mapping.ContainerPort),
    [8080, 8443, 9000],
  )
  const environment = environmentOf(container)
  assert.equal(environment[ROUTER_ENV.frontDoorHttpPort], '8080')
  assert.equal(environment[ROUTER_ENV.controlTlsPort], '8443')
  assert.equal(environment[ROUTER_ENV.adminPort], '9000')
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8080, HealthCheckPort: '9000' })
  assert.deepEqual((container.HealthCheck as Json).Command, ['CMD', 'node', '-e', healthProbe(9000)])
  assert.deepEqual(ingressIntoRouter(fixture, template), [
    { from: 'alb', port: 8080, toPort: 8080 },
    { from: 'lambda0', port: 8443, toPort: 8443 },
    { from: 'alb', port: 9000, toPort: 9000 },
  ])
})

test('the target group sends traffic to the front door and health-checks the admin /health', () => {
  const fixture = buildRouterStack()
  const template = Template.fromStack(fixture.stack)
  template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1)
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    Port: 5001,
    Protocol: 'HTTP',
    TargetType: 'ip',
    HealthCheckPath: '/health',
    HealthCheckPort: '5005',
    HealthCheckProtocol: 'HTTP',
    Matcher: { HttpCode: '200' },
    HealthCheckIntervalSeconds: 10,
    HealthCheckTimeoutSeconds: 5,
    HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 3,
    TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
  })
  template.hasResourceProperties('AWS::ECS::Service', {
    LoadBalancers: [{ ContainerName: 'router', ContainerPort: 5001, TargetGroupArn: Match.anyValue() }],
  })
})

test('a router shutdown that does not fit in the container stop timeout is refused, defaults included', () => {
  assert.throws(
    () => buildRouterStack({ router: { router: { shutdownTimeout: Duration.seconds(55) } } }),
    /stopTimeout \(60 s\) must be at least the router's ShutdownTimeout \(55 s\) \+ 10 s/,
  )
  assert.throws(
    () => buildRouterStack({ router: { stopTimeout: Duration.seconds(29) } }),
    /stopTimeout \(29 s\) must be at least the router's ShutdownTimeout \(20 s\) \+ 10 s/,
  )
  const fits = buildRouterStack({
    router: { stopTimeout: Duration.seconds(120), router: { shutdownTimeout: Duration.seconds(100) } },
  })
  assert.equal(routerContainer(Template.fromStack(fits.stack)).StopTimeout, 120)
})

test('a listener rule puts the router behind host/path conditions instead of the default action', () => {
  const fixture = buildRouterStack({
    router: { listenerRule: { priority: 10, conditions: [elbv2.ListenerCondition.hostHeaders(['app.example.com'])] } },
  })
  const template = Template.fromStack(fixture.stack)
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
    Priority: 10,
    Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['app.example.com'] } }],
    Actions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(fixture, fixture.router.targetGroup) } }],
  })
  const [listener] = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener')
  assert.doesNotMatch(JSON.stringify(propertiesOf(listener).DefaultActions ?? []), /TargetGroup/)
})

test('the service runs ARM64 on regular Fargate by default, in private subnets without public IPs', () => {
  const fixture = buildRouterStack()
  const template = Template.fromStack(fixture.stack)
  template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    Cpu: '1024',
    Memory: '2048',
    NetworkMode: 'awsvpc',
    RequiresCompatibilities: ['FARGATE'],
    RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
  })
  template.hasResourceProperties('AWS::ECS::Service', {
    CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE', Weight: 1 }],
    DesiredCount: 1,
    DeploymentConfiguration: Match.objectLike({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    }),
    NetworkConfiguration: {
      AwsvpcConfiguration: {
        AssignPublicIp: 'DISABLED',
        SecurityGroups: [{ 'Fn::GetAtt': [logicalId(fixture, fixture.router.securityGroup), 'GroupId'] }],
        Subnets: ['subnet-0b0000000000000b1', 'subnet-0b0000000000000b2'],
      },
    },
  })
})

test('Spot runs the tasks on FARGATE_SPOT, with an optional on-demand base, and combines with ARM64 or X86_64', () => {
  for (const cpuArchitecture of [ecs.CpuArchitecture.ARM64, ecs.CpuArchitecture.X86_64]) {
    const fixture = buildRouterStack({ router: { useFargateSpot: true, cpuArchitecture } })
    const template = Template.fromStack(fixture.stack)
    template.hasResourceProperties('AWS::ECS::Service', {
      CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
    })
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RuntimePlatform: { CpuArchitecture: cpuArchitecture._cpuArchitecture, OperatingSystemFamily: 'LINUX' },
    })
  }
  const withBase = buildRouterStack({ router: { useFargateSpot: true, onDemandBaseTasks: 1 } })
  Template.fromStack(withBase.stack).hasResourceProperties('AWS::ECS::Service', {
    CapacityProviderStrategy: [
      { CapacityProvider: 'FARGATE', Base: 1, Weight: 0 },
      { CapacityProvider: 'FARGATE_SPOT', Weight: 1 },
    ],
  })
})

test('autoscaling tracks CPU between the task bounds', () => {
  const fixture = buildRouterStack({ router: { minTasks: 2, maxTasks: 6, cpuTargetPercent: 60 } })
  const template = Template.fromStack(fixture.stack)
  template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
    MinCapacity: 2,
    MaxCapacity: 6,
    ScalableDimension: 'ecs:service:DesiredCount',
    ServiceNamespace: 'ecs',
  })
  template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      TargetValue: 60,
      ScaleInCooldown: 120,
      ScaleOutCooldown: 60,
    },
  })
  template.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 2 })
})

test('the construct refuses a configuration without functions or without their security groups', () => {
  assert.throws(() => buildRouterStack({ functionCount: 0 }), /functions must name at least one Lambda function/)
  assert.throws(
    () => buildRouterStack({ router: { lambdaSecurityGroups: [] } }),
    /lambdaSecurityGroups must name the security group/,
  )
})
