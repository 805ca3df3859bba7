// The router's environment variable names and default ports, as the constructs write them.
// Deliberately free of imports: a root test (test/deploy/router-settings-sync.test.ts) reads it beside
// src/router/config.ts and docs/router.md, so a renamed setting fails a test instead of a deployment.

/** Default listener ports of the router (docs/router.md; the first four keep the original's numbers). */
export const ROUTER_DEFAULT_PORTS = {
  /** Client HTTP/1.1 (and h2c) front door: the ALB target port. */
  frontDoorHttp: 5001,
  /** Client HTTPS front door (only with a certificate). */
  frontDoorHttps: 5002,
  /** Control channel, h2c with prior knowledge (only with `AllowInsecureControlChannel`). */
  controlInsecureHttp2: 5003,
  /** Control channel, TLS with ALPN h2. */
  controlTlsHttp2: 5004,
  /** Admin listener (`/health`, `/ready`, `/metrics`, the dashboard); loopback-only unless `AdminHost` is set. */
  admin: 5005,
} as const

/** The router's default `ShutdownTimeout`: how long it drains queued and in-flight requests after SIGTERM. */
export const ROUTER_DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 20

/** After draining, the router sends goaway and waits for its invokes to return: about 10 s (docs/router.md). */
export const ROUTER_CLOSE_AFTER_DRAIN_SECONDS = 10

/** The router settings the constructs set, by role → environment variable name. */
export const ROUTER_ENV = {
  functionName: 'LAMBDA_DISPATCH_FunctionName',
  allowedLambdaNames: 'LAMBDA_DISPATCH_AllowedLambdaNames',
  maxConcurrentCount: 'LAMBDA_DISPATCH_MaxConcurrentCount',
  channelCount: 'LAMBDA_DISPATCH_ChannelCount',
  instanceCountMultiplier: 'LAMBDA_DISPATCH_InstanceCountMultiplier',
  scalingAlgorithm: 'LAMBDA_DISPATCH_ScalingAlgorithm',
  maxInstances: 'LAMBDA_DISPATCH_MaxInstances',
  maxInvokesPerMinute: 'LAMBDA_DISPATCH_MaxInvokesPerMinute',
  queueLimit: 'LAMBDA_DISPATCH_QueueLimit',
  minInstances: 'LAMBDA_DISPATCH_MinInstances',
  functionTimeout: 'LAMBDA_DISPATCH_FunctionTimeout',
  shutdownTimeout: 'LAMBDA_DISPATCH_ShutdownTimeout',
  trustForwardedHeaders: 'LAMBDA_DISPATCH_TrustForwardedHeaders',
  frontDoorHttpPort: 'LAMBDA_DISPATCH_IncomingRequestHTTPPort',
  controlInsecurePort: 'LAMBDA_DISPATCH_ControlChannelInsecureHTTP2Port',
  controlTlsPort: 'LAMBDA_DISPATCH_ControlChannelHTTP2Port',
  allowInsecureControlChannel: 'LAMBDA_DISPATCH_AllowInsecureControlChannel',
  preferredControlChannelScheme: 'LAMBDA_DISPATCH_PreferredControlChannelScheme',
  adminPort: 'LAMBDA_DISPATCH_AdminPort',
  adminHost: 'LAMBDA_DISPATCH_AdminHost',
} as const

/** The extension settings the Lambda construct sets (docs/extension.md). */
export const EXTENSION_ENV = {
  /** The port the user's app listens on, on 127.0.0.1 (original-protocol.md §7.2). */
  appPort: 'LAMBDA_DISPATCH_PORT',
  /** The function timeout in seconds: Lambda does not tell the extension, and its deadline margin scales with it. */
  functionTimeoutSeconds: 'AWS_LAMBDA_FUNCTION_TIMEOUT',
} as const

/** The default port of the user's app inside the Lambda (original-protocol.md §7.2: the code default is 3001). */
export const DEFAULT_APP_PORT = 3001

/** Where the layer puts things, as seen inside the Lambda (`/opt` is the layer root). */
export const LAYER_PATHS = {
  launcher: '/opt/extensions/lambda-dispatch',
  bundle: '/opt/lambda-dispatch/extension.js',
  execWrapper: '/opt/lambda-dispatch/exec-wrapper',
  /** The self-contained layer's own Node, which the launcher prefers. */
  node: '/opt/lambda-dispatch/node/bin/node',
} as const
