// A tiny stand-in for API Gateway in front of a Lambda function: each HTTP request becomes one Invoke through
// @aws-sdk/client-lambda (against the local Lambda), and the function's result becomes the response. Owns its
// server and its SDK client; close() ends both.
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { fromApiGatewayResult, toApiGatewayEvent } from './api-gateway-event.js'

/** The header that carries the invoke's request id back to the client, to match it with the Lambda's events. */
export const INVOKE_ID_HEADER = 'x-bench-invoke-id'

export interface ApiGatewayOptions {
  readonly lambdaEndpoint: string
  readonly functionName: string
  /** Concurrent invokes the gateway may hold open. */
  readonly maxSockets: number
}

export class ApiGateway {
  readonly #client: LambdaClient
  readonly #options: ApiGatewayOptions
  readonly #server: Server

  constructor(options: ApiGatewayOptions) {
    this.#options = options
    this.#client = new LambdaClient({
      region: 'us-east-1',
      endpoint: options.lambdaEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      // API Gateway does not retry a throttled or failed invoke; it answers 5xx.
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        httpAgent: new Agent({ keepAlive: true, maxSockets: options.maxSockets }),
        requestTimeout: 60_000,
        throwOnRequestTimeout: true,
      }),
    })
    this.#server = createServer((req, res) => void this.#handle(req, res))
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#client.destroy()
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const event = toApiGatewayEvent({
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    })
    try {
      const output = await this.#client.send(
        new InvokeCommand({ FunctionName: this.#options.functionName, Payload: Buffer.from(JSON.stringify(event)) }),
      )
      const invokeId = output.$metadata.requestId ?? ''
      const payload: unknown = output.Payload ? JSON.parse(Buffer.from(output.Payload).toString('utf8')) : undefined
      const result = output.FunctionError ? undefined : fromApiGatewayResult(payload)
      if (result === undefined) {
        res.writeHead(502, { 'content-type': 'text/plain', [INVOKE_ID_HEADER]: invokeId })
        res.end(`function error: ${output.FunctionError ?? 'not an API Gateway result'}`)
        return
      }
      res.writeHead(result.status, { ...result.headers, [INVOKE_ID_HEADER]: invokeId })
      res.end(result.body)
    } catch (error) {
      // Throttles (429) and SDK failures: API Gateway's own 5xx.
      const status =
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 429 ? 429 : 502
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end((error as Error).message)
    }
  }
}
