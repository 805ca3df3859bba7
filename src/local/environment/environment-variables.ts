// Pure. The environment variables every process of an execution environment starts with, as Lambda sets them.

export interface EnvironmentVariableInput {
  /** Variables to start from: this process's environment when `inheritEnv`, else nothing. */
  readonly base: Readonly<Record<string, string | undefined>>
  readonly functionName: string
  readonly memoryMb: number
  readonly region: string
  /** `host:port` of this environment's Runtime and Extensions API. */
  readonly runtimeApi: string
  readonly logStreamName: string
  readonly handler: string
  readonly taskRoot: string
  /** The function's own variables; config validation already refused the reserved names. */
  readonly userEnv: Readonly<Record<string, string>>
}

/** Later entries win: base, then the function's variables, then Lambda's own, which the function may not change. */
export function buildEnvironmentVariables(input: EnvironmentVariableInput): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const [key, value] of Object.entries(input.base)) {
    if (value !== undefined) variables[key] = value
  }
  Object.assign(variables, { TZ: ':UTC', LANG: 'en_US.UTF-8' }, input.userEnv, {
    AWS_LAMBDA_RUNTIME_API: input.runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: input.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(input.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${input.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: input.logStreamName,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    LAMBDA_TASK_ROOT: input.taskRoot,
    _HANDLER: input.handler,
  })
  return variables
}
