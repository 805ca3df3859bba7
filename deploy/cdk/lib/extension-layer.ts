import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'

// The Lambda layer that carries the extension: the zip `npm run package:layer` writes (dist/lambda-dispatch-layer.zip).
// The bundle is plain JavaScript, so one layer serves both architectures.

export interface ExtensionLayerProps {
  /** The layer contents: `lambda.Code.fromAsset('<repo>/dist/lambda-dispatch-layer.zip')`, or an S3 object. */
  readonly code: lambda.Code
  /** Default: the Node runtimes whose `/var/lang/bin/node` the launcher uses. */
  readonly compatibleRuntimes?: lambda.Runtime[]
  readonly description?: string
}

/** Node runtimes that ship `/var/lang/bin/node`, which the layer's launcher runs the extension with. */
export const NODE_RUNTIMES_WITH_NODE: readonly lambda.Runtime[] = [
  lambda.Runtime.NODEJS_20_X,
  lambda.Runtime.NODEJS_22_X,
  lambda.Runtime.NODEJS_24_X,
]

/** A `LayerVersion` holding `extensions/lambda-dispatch` and `lambda-dispatch/extension.js`. */
export class ExtensionLayer extends Construct {
  readonly layer: lambda.LayerVersion

  constructor(scope: Construct, id: string, props: ExtensionLayerProps) {
    super(scope, id)
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: props.code,
      compatibleRuntimes: props.compatibleRuntimes ?? [...NODE_RUNTIMES_WITH_NODE],
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      description: props.description ?? 'Lambda Dispatch extension (connects the function back to the router)',
      license: 'MIT',
    })
  }
}
