// Types of scripts/node-runtime.mjs, for the tests that import it.

export interface NodePin {
  readonly version: string
  readonly packages: Readonly<Record<string, { readonly name: string; readonly integrity: string }>>
}

export declare const NODE_ARCHITECTURES: readonly string[]
export declare function readNodePin(pinFile: string): NodePin
export declare function fetchNodePackage(
  pin: NodePin,
  arch: string,
  cacheDir: string,
  say: (line: string) => void,
): string
export declare function extractNodeBinary(tarball: string, parent: string): { node: string; license: string }
