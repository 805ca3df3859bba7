// Callback host discovery against fake ECS task-metadata v4 and EC2 IMDSv2 servers on loopback.
// Vectors from the original's MetadataServiceTests.cs and GetCallbackIPTests.cs.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import {
  buildDispatcherUrl,
  DEFAULT_ENV_VAR_FOR_CALLBACK_IP,
  discoverCallbackHost,
} from '../../../../src/router/callback/discover-callback-host.js'
import { CallbackHostDiscoveryError } from '../../../../src/router/errors.js'
import { teardown } from '../../../helpers/teardown.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

async function serve(t: { after: (fn: () => unknown) => void }, handler: Handler): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  teardown(t)(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const AWSVPC_CONTAINER = { Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['192.168.0.1'] }] }
const ORIGINAL_TASK = { TaskARN: 'arn:aws:ecs:us-west-2:123456789012:task/test_cluster/abcdefg' }

/** ECS task metadata v4 at `/v4/<id>`: the container document and, under `/task`, the task document (null: 404). */
async function fakeEcs(
  t: { after: (fn: () => unknown) => void },
  container: unknown = AWSVPC_CONTAINER,
  task: unknown = ORIGINAL_TASK,
): Promise<string> {
  const base = await serve(t, (req, res) => {
    const body = req.url === '/v4/abc123' ? container : req.url === '/v4/abc123/task' ? task : undefined
    if (body === undefined || body === null) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  return `${base}/v4/abc123`
}

const IMDS_TOKEN = 'AQAEAFakeSessionToken=='

/** IMDSv2: PUT /latest/api/token with a TTL header, then GETs with the token; anything else is 401 or 404. */
async function fakeImds(t: { after: (fn: () => unknown) => void }, localIpv4 = '10.20.30.40'): Promise<string> {
  return serve(t, (req, res) => {
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) {
        res.writeHead(400).end()
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(IMDS_TOKEN)
      return
    }
    if (req.headers['x-aws-ec2-metadata-token'] !== IMDS_TOKEN) {
      res.writeHead(401).end()
      return
    }
    if (req.method === 'GET' && req.url === '/latest/meta-data/local-ipv4') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(localIpv4)
      return
    }
    res.writeHead(404).end()
  })
}

const base = { envVarForCallbackIp: DEFAULT_ENV_VAR_FOR_CALLBACK_IP, timeoutMs: 2000 }

const precedence = [
  {
    name: 'RouterCallbackHost wins over everything else',
    options: {
      ...base,
      routerCallbackHost: '192.168.1.1',
      env: { K8S_POD_IP: '10.1.1.1', AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' },
    },
    expected: { host: '192.168.1.1', source: 'config' },
  },
  {
    name: 'with nothing configured and no AWS environment the host is 127.0.0.1',
    options: { ...base, env: {} },
    expected: { host: '127.0.0.1', source: 'default' },
  },
  {
    name: 'the K8S_POD_IP env var is used by default',
    options: { ...base, env: { K8S_POD_IP: '10.1.1.1' } },
    expected: { host: '10.1.1.1', source: 'env-var' },
  },
  {
    name: 'the env var named by EnvVarForCallbackIp is used',
    options: {
      ...base,
      envVarForCallbackIp: 'IP_FROM_ELSEWHERE',
      env: { IP_FROM_ELSEWHERE: '10.3.2.1', K8S_POD_IP: '10.1.1.1' },
    },
    expected: { host: '10.3.2.1', source: 'env-var' },
  },
  {
    name: 'a blank RouterCallbackHost and a blank env var are skipped',
    options: { ...base, routerCallbackHost: '  ', env: { K8S_POD_IP: ' ' } },
    expected: { host: '127.0.0.1', source: 'default' },
  },
  {
    name: 'EC2 metadata is not asked when AWS_EXECUTION_ENV does not name EC2',
    options: { ...base, env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' } },
    expected: { host: '127.0.0.1', source: 'default' },
  },
  {
    name: 'AWS_EC2_METADATA_DISABLED keeps EC2 metadata off',
    options: { ...base, useEc2Metadata: true, env: { AWS_EC2_METADATA_DISABLED: 'true' } },
    expected: { host: '127.0.0.1', source: 'default' },
  },
]
for (const row of precedence) {
  test(row.name, async () => {
    const fetchImpl = (() => {
      throw new Error('no metadata request expected')
    }) as typeof fetch
    assert.deepEqual(await discoverCallbackHost({ ...row.options, fetchImpl }), row.expected)
  })
}

test('on ECS the awsvpc address and the cluster from the TaskARN are used', async (t) => {
  const uri = await fakeEcs(t)
  const found = await discoverCallbackHost({
    ...base,
    env: { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE', ECS_CONTAINER_METADATA_URI_V4: uri },
  })
  assert.deepEqual(found, { host: '192.168.0.1', source: 'ecs', clusterName: 'test_cluster' })
})

test("the task's Cluster field names the cluster when present", async (t) => {
  const uri = await fakeEcs(t, AWSVPC_CONTAINER, {
    Cluster: 'arn:aws:ecs:us-west-2:123456789012:cluster/prod',
    TaskARN: 'arn:aws:ecs:us-west-2:123456789012:task/prod/abcdefg',
  })
  const found = await discoverCallbackHost({ ...base, env: { ECS_CONTAINER_METADATA_URI_V4: uri } })
  assert.equal(found.clusterName, 'prod')
})

test('an unreadable task document leaves the cluster unset but keeps the address', async (t) => {
  const uri = await fakeEcs(t, AWSVPC_CONTAINER, null)
  const found = await discoverCallbackHost({ ...base, env: { ECS_CONTAINER_METADATA_URI_V4: uri } })
  assert.deepEqual(found, { host: '192.168.0.1', source: 'ecs' })
})

test('an ECS task without an awsvpc network is an error unless EC2 metadata may be asked', async (t) => {
  const uri = await fakeEcs(t, { Networks: [{ NetworkMode: 'bridge', IPv4Addresses: ['172.17.0.2'] }] })
  await assert.rejects(
    discoverCallbackHost({
      ...base,
      env: { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE', ECS_CONTAINER_METADATA_URI_V4: uri },
    }),
    (err: unknown) => err instanceof CallbackHostDiscoveryError && err.source === 'ecs' && /awsvpc/.test(err.message),
  )
})

test('an ECS task in bridge mode on EC2 takes the instance address from IMDSv2 and keeps its cluster', async (t) => {
  const uri = await fakeEcs(t, { Networks: [{ NetworkMode: 'bridge', IPv4Addresses: ['172.17.0.2'] }] })
  const imds = await fakeImds(t)
  const found = await discoverCallbackHost({
    ...base,
    env: {
      AWS_EXECUTION_ENV: 'AWS_ECS_EC2',
      ECS_CONTAINER_METADATA_URI_V4: uri,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds,
    },
  })
  assert.deepEqual(found, { host: '10.20.30.40', source: 'ec2', clusterName: 'test_cluster' })
})

test('the fake IMDS refuses a read without the session token', async (t) => {
  const imds = await fakeImds(t)
  const response = await fetch(`${imds}/latest/meta-data/local-ipv4`)
  assert.equal(response.status, 401)
})

test('on EC2 the address comes from IMDSv2 with a session token', async (t) => {
  const imds = await fakeImds(t)
  const found = await discoverCallbackHost({
    ...base,
    env: { AWS_EXECUTION_ENV: 'EC2' },
    ec2MetadataEndpoint: `${imds}/`,
  })
  assert.deepEqual(found, { host: '10.20.30.40', source: 'ec2' })
})

test('the EC2 flag asks IMDS where AWS_EXECUTION_ENV is unset', async (t) => {
  const imds = await fakeImds(t)
  const found = await discoverCallbackHost({
    ...base,
    useEc2Metadata: true,
    env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds },
  })
  assert.equal(found.source, 'ec2')
})

test('an IMDS answer that is not an IP address is an EC2 discovery error', async (t) => {
  const imds = await fakeImds(t, '<html>captive portal</html>')
  await assert.rejects(
    discoverCallbackHost({ ...base, useEc2Metadata: true, ec2MetadataEndpoint: imds, env: {} }),
    (err: unknown) => err instanceof CallbackHostDiscoveryError && err.source === 'ec2',
  )
})

test('metadata that never answers fails within the timeout, naming the source and the cause', async (t) => {
  const uri = await serve(t, () => {})
  await assert.rejects(
    discoverCallbackHost({ ...base, timeoutMs: 100, env: { ECS_CONTAINER_METADATA_URI_V4: uri } }),
    (err: unknown) =>
      err instanceof CallbackHostDiscoveryError &&
      err.source === 'ecs' &&
      /no answer within 100 ms/.test(err.message) &&
      err.cause instanceof Error,
  )
})

test('a metadata error status is a discovery error naming the status', async (t) => {
  const uri = await serve(t, (_req, res) => res.writeHead(500).end())
  await assert.rejects(
    discoverCallbackHost({ ...base, env: { ECS_CONTAINER_METADATA_URI_V4: uri } }),
    (err: unknown) => err instanceof CallbackHostDiscoveryError && /answered 500/.test(err.message),
  )
})

test('AWS_EXECUTION_ENV naming ECS without a metadata URI is an error, not 127.0.0.1', async () => {
  await assert.rejects(
    discoverCallbackHost({ ...base, env: { AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' } }),
    (err: unknown) => err instanceof CallbackHostDiscoveryError && err.source === 'ecs',
  )
})

test('an env var value that is not a host is refused', async () => {
  await assert.rejects(
    discoverCallbackHost({ ...base, env: { K8S_POD_IP: '10.0.0.1:5003/x' } }),
    (err: unknown) => err instanceof CallbackHostDiscoveryError && err.source === 'env-var',
  )
})

const urls = [
  {
    name: "the original's vector",
    scheme: 'https',
    host: '192.168.1.1',
    port: 5004,
    expected: 'https://192.168.1.1:5004/api/chunked',
  },
  {
    name: 'a host name',
    scheme: 'http',
    host: 'router.internal',
    port: 5003,
    expected: 'http://router.internal:5003/api/chunked',
  },
  {
    name: 'an IPv6 literal is bracketed',
    scheme: 'http',
    host: 'fd00::1',
    port: 5003,
    expected: 'http://[fd00::1]:5003/api/chunked',
  },
  {
    name: 'a bracketed IPv6 literal is kept',
    scheme: 'http',
    host: '[fd00::1]',
    port: 5003,
    expected: 'http://[fd00::1]:5003/api/chunked',
  },
] as const
for (const row of urls) {
  test(`the dispatcher URL for ${row.name}`, () => {
    assert.equal(buildDispatcherUrl(row.scheme, row.host, row.port), row.expected)
  })
}

test('an empty callback host is refused', () => {
  assert.throws(() => buildDispatcherUrl('http', '', 5003), RangeError)
})
