// The example stack: a committed snapshot of its template (UPDATE_SNAPSHOTS=1 rewrites it), plus the HTTPS variant.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { Template } from 'aws-cdk-lib/assertions'
import { buildExampleStack } from './fixtures.js'

// Under test/fixtures, which the formatter leaves alone: the file stays exactly as JSON.stringify writes it.
const SNAPSHOT = join(import.meta.dirname, 'fixtures', 'example-stack.template.json')

test('the example stack template matches the committed snapshot', () => {
  const template = Template.fromStack(buildExampleStack()).toJSON()
  const text = `${JSON.stringify(template, null, 2)}\n`
  // CI must compare against the committed file, never create it.
  if (!existsSync(SNAPSHOT) && process.env.CI) assert.fail(`${SNAPSHOT} is missing; create it with UPDATE_SNAPSHOTS=1`)
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) {
    mkdirSync(dirname(SNAPSHOT), { recursive: true })
    writeFileSync(SNAPSHOT, text)
  }
  assert.deepEqual(
    template,
    JSON.parse(readFileSync(SNAPSHOT, 'utf8')),
    'run UPDATE_SNAPSHOTS=1 npm test and review the diff',
  )
})

test('the example stack holds one router service, one function with the layer, and one internet-facing ALB', () => {
  const template = Template.fromStack(buildExampleStack())
  template.resourceCountIs('AWS::ECS::Service', 1)
  template.resourceCountIs('AWS::Lambda::Function', 1)
  template.resourceCountIs('AWS::Lambda::LayerVersion', 1)
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
    Scheme: 'internet-facing',
    Subnets: ['subnet-0a0000000000000a1', 'subnet-0a0000000000000a2'],
  })
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' })
  template.hasResourceProperties('AWS::ECS::Cluster', {})
  template.hasResourceProperties('AWS::ECS::ClusterCapacityProviderAssociations', {
    CapacityProviders: ['FARGATE', 'FARGATE_SPOT'],
  })
})

test('with a certificate the example listens on HTTPS 443 and redirects port 80', () => {
  const template = Template.fromStack(
    buildExampleStack({
      certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000',
    }),
  )
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 443,
    Protocol: 'HTTPS',
    Certificates: [
      { CertificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000' },
    ],
  })
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 80,
    DefaultActions: [{ Type: 'redirect', RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' } }],
  })
})
