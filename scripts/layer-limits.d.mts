// Types of scripts/layer-limits.mjs, for the tests that import it.

export interface LayerSizes {
  /** Bytes of the zip file. */
  readonly zippedBytes: number
  /** Bytes of every file in the zip, unpacked. */
  readonly unzippedBytes: number
}

export declare const LAMBDA_LAYER_LIMITS: Readonly<LayerSizes>
export declare function formatMiB(bytes: number): string
export declare function layerSizeProblems(sizes: LayerSizes, limits?: LayerSizes): string[]
