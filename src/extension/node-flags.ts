// How the extension's Node is started: the flags the layer's launcher (deploy/layer/extensions/lambda-dispatch), the
// local stack and the benchmarks give it, and the launcher's own variables. Pure data.

/**
 * V8 counts every ArrayBuffer allocated since the last full collection (a relay allocates one per socket read and per
 * HTTP/2 DATA frame) against the old generation's allocation limit, which starts small in a fresh process: a 9 MiB
 * body then set off about one full mark-compact, and the extension spent about twice the CPU per MiB relayed. A 64 MB
 * initial old space leaves those buffers to the young-generation collections that free them anyway, at the price of
 * 12–41 MiB more peak memory under load (docs/extension.md; docs/performance.md, "The extension's initial old space").
 */
export const EXTENSION_NODE_FLAGS: readonly string[] = Object.freeze(['--initial-old-space-size=64'])

/**
 * The launcher's variables, which the extension does not read: a Node to run, and the flags to give it instead of
 * EXTENSION_NODE_FLAGS (empty: none).
 */
export const LAUNCHER_ENV_NAMES: readonly string[] = Object.freeze([
  'LAMBDA_DISPATCH_NODE',
  'LAMBDA_DISPATCH_NODE_FLAGS',
])
