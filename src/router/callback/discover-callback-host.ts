// Finds the address Lambdas should use to call this router back (original-router.md §5.4, MetadataService.cs), and
// builds the DispatcherUrl from it. Reads only the env object it is given and, when that says so, the ECS task
// metadata v4 and EC2 IMDSv2 endpoints over HTTP; one deadline bounds the whole discovery.
import { isIP } from 'node:net'
import { CallbackHostDiscoveryError } from '../errors.js'

export type CallbackHostSource = 'config' | 'env-var' | 'ecs' | 'ec2' | 'default'

export interface CallbackHost {
  readonly host: string
  readonly source: CallbackHostSource
  /** ECS cluster name, when running on ECS (a metrics dimension, as in the original). */
  readonly clusterName?: string
}

export interface DiscoverCallbackHostOptions {
  /** The process environment (or a test's stand-in); nothing else is read. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** `RouterCallbackHost`: when non-blank it wins, and nothing is looked up. */
  readonly routerCallbackHost?: string
  /** `EnvVarForCallbackIp`: the name of the env var holding the callback IP (DEFAULT_ENV_VAR_FOR_CALLBACK_IP). */
  readonly envVarForCallbackIp: string
  /** Deadline for all metadata requests together. */
  readonly timeoutMs: number
  readonly fetchImpl?: typeof fetch
  /** Ask EC2 IMDS even when AWS_EXECUTION_ENV does not name EC2 (a router on a plain EC2 instance sets nothing). */
  readonly useEc2Metadata?: boolean
  /** IMDS base URL; otherwise AWS_EC2_METADATA_SERVICE_ENDPOINT, otherwise http://169.254.169.254. */
  readonly ec2MetadataEndpoint?: string
}

/** The original's default `EnvVarForCallbackIp`: the pod IP from the Kubernetes downward API. */
export const DEFAULT_ENV_VAR_FOR_CALLBACK_IP = 'K8S_POD_IP'

/** Where IMDS answers on every EC2 instance. */
export const DEFAULT_EC2_METADATA_ENDPOINT = 'http://169.254.169.254'

/** IMDSv2 session token lifetime asked for; one discovery needs seconds. */
const IMDS_TOKEN_TTL_SECONDS = '60'

/**
 * Precedence: `routerCallbackHost`; then the env var named by `envVarForCallbackIp`; then ECS task metadata v4 when
 * ECS_CONTAINER_METADATA_URI_V4 is set (the awsvpc address, the cluster from the task); then EC2 IMDSv2 when
 * AWS_EXECUTION_ENV names EC2 (AWS_ECS_EC2, for tasks in bridge or host mode) or `useEc2Metadata` is set; else
 * 127.0.0.1 for a router on a developer machine. Throws CallbackHostDiscoveryError naming the source that failed,
 * rather than falling back to 127.0.0.1 where Lambdas could never reach it.
 */
export async function discoverCallbackHost(options: DiscoverCallbackHostOptions): Promise<CallbackHost> {
  const configured = options.routerCallbackHost?.trim()
  if (configured) return { host: configured, source: 'config' }

  const varName = options.envVarForCallbackIp.trim()
  const fromEnv = varName ? options.env[varName]?.trim() : undefined
  if (fromEnv) {
    if (!isHost(fromEnv)) {
      throw new CallbackHostDiscoveryError('env-var', `${varName}="${fromEnv}" is not an IP address or host name`)
    }
    return { host: fromEnv, source: 'env-var' }
  }

  const executionEnv = options.env.AWS_EXECUTION_ENV ?? ''
  const ec2Allowed =
    (options.useEc2Metadata === true || /EC2/i.test(executionEnv)) &&
    options.env.AWS_EC2_METADATA_DISABLED?.toLowerCase() !== 'true'
  const ecsUri = options.env.ECS_CONTAINER_METADATA_URI_V4?.trim()
  if (!ecsUri && !ec2Allowed) {
    if (executionEnv.startsWith('AWS_ECS')) {
      throw new CallbackHostDiscoveryError(
        'ecs',
        `AWS_EXECUTION_ENV is ${executionEnv} but ECS_CONTAINER_METADATA_URI_V4 is not set (ECS agent 1.39 or later sets it)`,
      )
    }
    return { host: '127.0.0.1', source: 'default' }
  }

  const fetchImpl = options.fetchImpl ?? fetch
  const deadline = new AbortController()
  const timer = setTimeout(
    () => deadline.abort(new Error(`no answer within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  )
  try {
    let clusterName: string | undefined
    if (ecsUri) {
      const ecs = await fromEcs(ecsUri, fetchImpl, deadline.signal)
      clusterName = ecs.clusterName
      if (ecs.host !== undefined) return withCluster({ host: ecs.host, source: 'ecs' }, clusterName)
      if (!ec2Allowed) {
        throw new CallbackHostDiscoveryError(
          'ecs',
          'the task has no awsvpc network; set RouterCallbackHost, or enable EC2 metadata for bridge or host mode',
        )
      }
    }
    const endpoint =
      options.ec2MetadataEndpoint ?? options.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? DEFAULT_EC2_METADATA_ENDPOINT
    const host = await fromEc2(endpoint, fetchImpl, deadline.signal)
    return withCluster({ host, source: 'ec2' }, clusterName)
  } finally {
    clearTimeout(timer)
  }
}

/** `{scheme}://{host}:{port}/api/chunked`, the WaiterRequest's DispatcherUrl; IPv6 literals are bracketed. */
export function buildDispatcherUrl(scheme: 'http' | 'https', host: string, port: number): string {
  if (host.length === 0) throw new RangeError('callback host must not be empty')
  const authorityHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `${scheme}://${authorityHost}:${port}/api/chunked`
}

// ECS task metadata v4: GET ${uri} is the container (its Networks), GET ${uri}/task is the task (its cluster).
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4.html
async function fromEcs(
  uri: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<{ host: string | undefined; clusterName: string | undefined }> {
  const container = await getJson('ecs', uri, fetchImpl, signal)
  const networks = (container as { Networks?: unknown }).Networks
  let host: string | undefined
  if (Array.isArray(networks)) {
    for (const network of networks as Array<{ NetworkMode?: unknown; IPv4Addresses?: unknown }>) {
      if (network?.NetworkMode !== 'awsvpc') continue
      const address = Array.isArray(network.IPv4Addresses) ? network.IPv4Addresses[0] : undefined
      if (typeof address !== 'string' || isIP(address) !== 4) {
        throw new CallbackHostDiscoveryError('ecs', 'the awsvpc network has no IPv4 address')
      }
      host = address
      break
    }
  }
  return { host, clusterName: await ecsClusterName(`${uri.replace(/\/+$/, '')}/task`, fetchImpl, signal) }
}

// The cluster only labels metrics, so a task document that cannot be read leaves it unset instead of failing start.
async function ecsClusterName(url: string, fetchImpl: typeof fetch, signal: AbortSignal): Promise<string | undefined> {
  let task: unknown
  try {
    task = await getJson('ecs', url, fetchImpl, signal)
  } catch {
    return undefined
  }
  const { Cluster: cluster, TaskARN: taskArn } = task as { Cluster?: unknown; TaskARN?: unknown }
  if (typeof cluster === 'string' && cluster.length > 0) return cluster.slice(cluster.lastIndexOf('/') + 1)
  // arn:aws:ecs:region:account:task/<cluster>/<task-id>; the old format task/<task-id> names no cluster.
  if (typeof taskArn === 'string') {
    const parts = taskArn.split('/')
    if (parts.length >= 3 && parts[1]) return parts[1]
  }
  return undefined
}

// EC2 IMDSv2: PUT a session token, then GET with it; IMDSv1 (no token) is disabled on hardened instances.
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
async function fromEc2(endpoint: string, fetchImpl: typeof fetch, signal: AbortSignal): Promise<string> {
  const base = endpoint.replace(/\/+$/, '')
  const token = await request('ec2', `${base}/latest/api/token`, fetchImpl, signal, {
    method: 'PUT',
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': IMDS_TOKEN_TTL_SECONDS },
  })
  const address = (
    await request('ec2', `${base}/latest/meta-data/local-ipv4`, fetchImpl, signal, {
      method: 'GET',
      headers: { 'X-aws-ec2-metadata-token': token },
    })
  ).trim()
  if (isIP(address) === 0) throw new CallbackHostDiscoveryError('ec2', `local-ipv4 is not an IP address: "${address}"`)
  return address
}

async function getJson(
  source: 'ecs' | 'ec2',
  url: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const text = await request(source, url, fetchImpl, signal, { method: 'GET' })
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new CallbackHostDiscoveryError(source, `GET ${url} did not return JSON`, { cause: err })
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CallbackHostDiscoveryError(source, `GET ${url} did not return a JSON object`)
  }
  return parsed as Record<string, unknown>
}

async function request(
  source: 'ecs' | 'ec2',
  url: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
  init: { method: string; headers?: Record<string, string> },
): Promise<string> {
  try {
    const response = await fetchImpl(url, { ...init, signal })
    const body = await response.text()
    if (!response.ok) throw new CallbackHostDiscoveryError(source, `${init.method} ${url} answered ${response.status}`)
    return body
  } catch (err) {
    if (err instanceof CallbackHostDiscoveryError) throw err
    const why = signal.aborted && signal.reason instanceof Error ? signal.reason.message : 'request failed'
    throw new CallbackHostDiscoveryError(source, `${init.method} ${url}: ${why}`, {
      cause: signal.aborted ? signal.reason : err,
    })
  }
}

function withCluster(found: CallbackHost, clusterName: string | undefined): CallbackHost {
  return clusterName === undefined ? found : { ...found, clusterName }
}

// An IP literal or a DNS name; anything else (spaces, slashes, ports) would corrupt the DispatcherUrl.
function isHost(value: string): boolean {
  return (
    isIP(value) !== 0 ||
    /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(
      value,
    )
  )
}
