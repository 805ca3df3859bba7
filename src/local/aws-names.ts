// Pure parsers and builders for AWS identifiers: function names and ARNs, trace ids, log stream names. No I/O.

export interface FunctionReference {
  readonly name: string
  /** A version or alias; the local service runs only $LATEST and treats any qualifier as an alias of it. */
  readonly qualifier: string | undefined
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/
const QUALIFIER = /^(\$LATEST|[A-Za-z0-9_-]{1,128})$/
const ACCOUNT = /^\d{12}$/

/**
 * Parses the `FunctionName` path parameter of Invoke in each form AWS accepts: `name`, `name:qualifier`,
 * `123456789012:function:name[:qualifier]` and `arn:aws:lambda:region:123456789012:function:name[:qualifier]`.
 * `queryQualifier` is the `Qualifier` query parameter; a different qualifier in the name makes the reference invalid.
 */
export function parseFunctionName(raw: string, queryQualifier?: string): FunctionReference | undefined {
  const parts = raw.split(':')
  let rest: string[]
  if (parts[0] === 'arn') {
    if (parts.length < 7 || !parts[1]?.startsWith('aws') || parts[2] !== 'lambda' || parts[5] !== 'function')
      return undefined
    if (!ACCOUNT.test(parts[4] ?? '')) return undefined
    rest = parts.slice(6)
  } else if (parts[1] === 'function') {
    if (!ACCOUNT.test(parts[0] ?? '')) return undefined
    rest = parts.slice(2)
  } else {
    rest = parts
  }
  if (rest.length > 2) return undefined
  const [name, nameQualifier] = rest
  if (name === undefined || !NAME.test(name)) return undefined
  if (nameQualifier !== undefined && !QUALIFIER.test(nameQualifier)) return undefined
  const query = queryQualifier === '' ? undefined : queryQualifier
  if (query !== undefined && (!QUALIFIER.test(query) || (nameQualifier !== undefined && nameQualifier !== query))) {
    return undefined
  }
  return { name, qualifier: nameQualifier ?? query }
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]` */
export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier === undefined ? '' : `:${qualifier}`}`
}

/** An X-Ray trace header: the root carries the epoch seconds in hex, then 24 random hex digits. */
export function newTraceId(nowMs: number, rootHex24: string, parentHex16: string): string {
  const epochHex = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0')
  return `Root=1-${epochHex}-${rootHex24};Parent=${parentHex16};Sampled=0`
}

/** Lambda's log stream name for one environment: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function logStreamName(nowMs: number, hex32: string): string {
  const date = new Date(nowMs).toISOString().slice(0, 10).replaceAll('-', '/')
  return `${date}/[$LATEST]${hex32}`
}
