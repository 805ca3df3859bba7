import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'

// The Lambda layer that carries the extension, in one of two kinds `npm run package:layer` writes:
// - dist/lambda-dispatch-layer.zip: the extension alone, plain JavaScript, for both architectures on a Node runtime;
// - dist/lambda-dispatch-layer-with-node-<x64|arm64>.zip (`-- --with-node`): the self-contained layer, which also
//   holds a Node binary for one architecture, so any runtime on Amazon Linux 2023 works.

export interface ExtensionLayerProps {
  /** The layer contents: `lambda.Code.fromAsset('<repo>/dist/<zip>')`, or an S3 object. */
  readonly code: lambda.Code
  /**
   * Set when `code` is a self-contained layer: the architecture of the Node binary inside it (one zip per
   * architecture, `selfContainedLayerZip(architecture)`). Unset: the layer without Node, for both architectures.
   */
  readonly nodeArchitecture?: lambda.Architecture
  /**
   * Default: `SELF_CONTAINED_LAYER_RUNTIMES` for a self-contained layer, else the Node runtimes whose
   * `/var/lang/bin/node` the launcher uses.
   */
  readonly compatibleRuntimes?: lambda.Runtime[]
  readonly description?: string
}

/** Node runtimes that ship `/var/lang/bin/node`, which the layer's launcher runs the extension with. */
export const NODE_RUNTIMES_WITH_NODE: readonly lambda.Runtime[] = [
  lambda.Runtime.NODEJS_20_X,
  lambda.Runtime.NODEJS_22_X,
  lambda.Runtime.NODEJS_24_X,
]

/**
 * The managed runtimes on Amazon Linux 2023, where the self-contained layer's Node runs (it needs glibc 2.28; Amazon
 * Linux 2 has 2.26). The language runtimes start the app through the layer's exec wrapper; `provided.al2023` runs
 * the app as its `bootstrap`.
 */
export const SELF_CONTAINED_LAYER_RUNTIMES: readonly lambda.Runtime[] = [
  ...NODE_RUNTIMES_WITH_NODE,
  lambda.Runtime.PYTHON_3_12,
  lambda.Runtime.PYTHON_3_13,
  lambda.Runtime.PYTHON_3_14,
  lambda.Runtime.JAVA_21,
  lambda.Runtime.JAVA_25,
  lambda.Runtime.DOTNET_8,
  lambda.Runtime.DOTNET_10,
  lambda.Runtime.RUBY_3_3,
  lambda.Runtime.RUBY_3_4,
  lambda.Runtime.PROVIDED_AL2023,
]

/** The npm name of each architecture the self-contained layer is built for, as its zip's name spells it. */
function nodeArchName(architecture: lambda.Architecture): 'x64' | 'arm64' {
  if (architecture.name === lambda.Architecture.X86_64.name) return 'x64'
  if (architecture.name === lambda.Architecture.ARM_64.name) return 'arm64'
  throw new Error(`the self-contained layer is built for x86_64 and arm64, not ${architecture.name}`)
}

/** The file `npm run package:layer -- --with-node` writes under dist/ for a function of this architecture. */
export function selfContainedLayerZip(architecture: lambda.Architecture): string {
  return `lambda-dispatch-layer-with-node-${nodeArchName(architecture)}.zip`
}

/** A `LayerVersion` holding `extensions/lambda-dispatch` and `lambda-dispatch/extension.js` (and Node, if built so). */
export class ExtensionLayer extends Construct {
  readonly layer: lambda.LayerVersion

  constructor(scope: Construct, id: string, props: ExtensionLayerProps) {
    super(scope, id)
    const architecture = props.nodeArchitecture
    if (architecture) nodeArchName(architecture)
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: props.code,
      compatibleRuntimes: props.compatibleRuntimes ?? [
        ...(architecture ? SELF_CONTAINED_LAYER_RUNTIMES : NODE_RUNTIMES_WITH_NODE),
      ],
      compatibleArchitectures: architecture ? [architecture] : [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      description:
        props.description ??
        (architecture
          ? `Lambda Dispatch extension with its own Node.js for ${architecture.name} (any Amazon Linux 2023 runtime)`
          : 'Lambda Dispatch extension (connects the function back to the router)'),
      license: 'MIT',
    })
  }
}
