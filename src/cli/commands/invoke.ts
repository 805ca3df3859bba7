// `lambda-dispatch invoke`: sends one event (a JSON file) to a function of a running local Lambda through the AWS SDK's
// Invoke, as an event source would, and prints the function's result. Exit 0 for a result; 1 for a function error
// (its type and message on stderr) or a failed call. describeFunctionError is pure.
import { readFile } from 'node:fs/promises'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import type { Command } from 'commander'
import { LOCAL_CREDENTIALS, LOCAL_STACK_DEFAULTS } from '../local-stack.js'

interface InvokeOptions {
  event: string
  endpoint?: string
  functionName: string
}

export function registerInvokeCommand(program: Command): void {
  program
    .command('invoke')
    .description('invoke a function of a running local Lambda with a JSON event, as an event source would')
    .requiredOption('--event <file>', 'the event: a JSON file, or - for stdin')
    .option(
      '--endpoint <url>',
      'the local Lambda API that lambda-dispatch local prints (default: $AWS_ENDPOINT_URL_LAMBDA)',
    )
    .option('--function-name <name>', 'the function to invoke', LOCAL_STACK_DEFAULTS.functionName)
    .action(async (options: InvokeOptions) => {
      process.exitCode = await runInvoke(options)
    })
}

/** Pure: the one stderr line for a function error, from the X-Amz-Function-Error value and the error document. */
export function describeFunctionError(functionError: string, payload: Buffer): string {
  let document: unknown
  try {
    document = JSON.parse(payload.toString('utf8'))
  } catch {
    document = undefined
  }
  const fields = typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {}
  const type = typeof fields.errorType === 'string' ? fields.errorType : 'unknown error type'
  const message = typeof fields.errorMessage === 'string' ? fields.errorMessage : payload.toString('utf8')
  return `function error (${functionError}): ${type}: ${message}`
}

async function runInvoke(options: InvokeOptions): Promise<number> {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_LAMBDA
  if (endpoint === undefined || endpoint === '') {
    return refuse('--endpoint is required: the "Local Lambda API" URL that lambda-dispatch local prints')
  }
  let payload: Buffer
  try {
    payload = options.event === '-' ? await readStdin() : await readFile(options.event)
    JSON.parse(payload.toString('utf8'))
  } catch (error) {
    return refuse(`--event ${options.event}: ${(error as Error).message}`)
  }
  // As in local-stack.ts: the SDK's notice about Node releases is noise for a local call.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const client = new LambdaClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  })
  try {
    const output = await client.send(new InvokeCommand({ FunctionName: options.functionName, Payload: payload }))
    const result = Buffer.from(output.Payload ?? new Uint8Array())
    process.stdout.write(result)
    if (result.length > 0 && result[result.length - 1] !== 0x0a) process.stdout.write('\n')
    if (output.FunctionError === undefined) return 0
    process.stderr.write(`lambda-dispatch invoke: ${describeFunctionError(output.FunctionError, result)}\n`)
    return 1
  } catch (error) {
    return refuse(`${(error as Error).name}: ${(error as Error).message}`)
  } finally {
    client.destroy()
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function refuse(problem: string): number {
  process.stderr.write(`lambda-dispatch invoke: ${problem}\n`)
  return 1
}
