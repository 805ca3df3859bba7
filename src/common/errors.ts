// The error base every module's errors.ts extends. Pure: no I/O.

/**
 * Base class for every named failure in the product. `code` is stable (`LD_…`) and documented in docs/errors.md;
 * subclasses carry typed context (ids, byte counts, timings) and build their message from it.
 */
export abstract class LambdaDispatchError extends Error {
  abstract readonly code: string

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }

  /** What pino prints for `err`: the code, the message, the context fields and the cause chain. */
  toJSON(): Record<string, unknown> {
    const context: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause') context[key] = value
    }
    return {
      type: this.name,
      code: this.code,
      message: this.message,
      ...context,
      ...(this.cause === undefined ? {} : { cause: serializeCause(this.cause) }),
    }
  }
}

function serializeCause(cause: unknown): unknown {
  if (cause instanceof LambdaDispatchError) return cause.toJSON()
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code
    return { type: cause.name, message: cause.message, ...(code === undefined ? {} : { code }) }
  }
  return cause
}

/** A configuration value failed validation; `problems` lists every bad setting at once. */
export class ConfigError extends LambdaDispatchError {
  readonly code = 'LD_CONFIG_INVALID'

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}
