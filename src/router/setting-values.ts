// Pure. The value rules of the router's own settings (function references, host lists, env var names, URLs); the
// shared ones (booleans, integers, durations, sizes) are in common/settings. No I/O.
import { bad, ok, type Parsed } from '../common/index.js'
import { DEFAULT_POOL_ID } from '../protocol/index.js'

// The original LambdaArnParser patterns (original-router.md §4): name, name:qualifier, full ARN (partition aws).
const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/
const FUNCTION_NAME_QUALIFIER = /^[a-zA-Z0-9-_]{1,64}:([a-zA-Z0-9-_]{1,128}|\$LATEST)$/
const FUNCTION_ARN =
  /^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:[a-zA-Z0-9-_]{1,64}(:[a-zA-Z0-9-_]{1,128}|:\$LATEST)?$/
const ENV_VAR_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** A Lambda function reference the original accepted: name, name:qualifier, or ARN with optional qualifier. */
export function isValidFunctionReference(value: string): boolean {
  return FUNCTION_NAME.test(value) || FUNCTION_NAME_QUALIFIER.test(value) || FUNCTION_ARN.test(value)
}

/** FunctionName: one function reference. */
export function parseFunctionReference(text: string): Parsed<string> {
  const trimmed = text.trim()
  return isValidFunctionReference(trimmed)
    ? ok(trimmed)
    : bad('must be a function name, name:qualifier or ARN (arn:aws:lambda:<region>:<account>:function:<name>)')
}

/** AllowedLambdaNames: comma-separated function references, de-duplicated; the default pool's id is refused. */
export function parseFunctionList(text: string): Parsed<readonly string[]> {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '')
  const invalid = names.filter((name) => !isValidFunctionReference(name) || name === DEFAULT_POOL_ID)
  return invalid.length > 0
    ? bad(`must be a comma-separated list of function names, name:qualifier or ARNs; not valid: ${invalid.join(', ')}`)
    : ok(Object.freeze([...new Set(names)]))
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

/** AdminAllowedHosts: comma-separated host names, lower-cased and de-duplicated. */
export function parseHostList(text: string): Parsed<readonly string[]> {
  const names = text
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  const invalid = names.filter((name) => !HOST_NAME.test(name))
  return invalid.length > 0
    ? bad(`must be a comma-separated list of host names; not valid: ${invalid.join(', ')}`)
    : ok(Object.freeze([...new Set(names)]))
}

/** EnvVarForCallbackIp: an environment variable name, or empty for none. */
export function parseEnvVarName(text: string): Parsed<string> {
  const trimmed = text.trim()
  return trimmed === '' || ENV_VAR_NAME.test(trimmed)
    ? ok(trimmed)
    : bad('must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)')
}

/** LambdaEndpoint: an http:// or https:// URL, or empty for unset. */
export function parseHttpUrl(text: string): Parsed<string | undefined> {
  const trimmed = text.trim()
  if (trimmed === '') return ok(undefined)
  return URL.canParse(trimmed) && /^https?:$/.test(new URL(trimmed).protocol)
    ? ok(trimmed)
    : bad('must be an http:// or https:// URL')
}
