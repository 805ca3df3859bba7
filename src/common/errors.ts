// The error base every module's errors.ts extends. Pure: no I/O.
import { ADDRESSING_ID_FIELDS, shortId } from './short-id.js'

/**
 * Base class for every named failure in the product. `code` is stable (`LD_…`) and documented in docs/errors.md;
 * subclasses carry typed context (ids, byte counts, timings) and build their message from it. Instance and channel
 * ids stay whole in the fields; messages built from them use `shortId`, and `toJSON()` writes their prefix.
 */
export abstract class LambdaDispatchError extends Error {
  abstract readonly code: string

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }

  /** What the snapshot, the event stream and logs above debug show: instance and channel ids as their prefix. */
  toJSON(): Record<string, unknown> {
    return this.serialize({ fullIds: false })
  }

  /** The code, the message, the context fields and the cause chain; whole instance and channel ids when `fullIds`. */
  serialize(options: { readonly fullIds: boolean }): Record<string, unknown> {
    const context: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(this)) {
      if (key === 'cause') continue
      context[key] =
        !options.fullIds && ADDRESSING_ID_FIELDS.has(key) && typeof value === 'string' ? shortId(value) : value
    }
    return {
      type: this.name,
      code: this.code,
      message: this.message,
      ...context,
      ...(this.cause === undefined ? {} : { cause: serializeCause(this.cause, options) }),
    }
  }
}

function serializeCause(cause: unknown, options: { readonly fullIds: boolean }): unknown {
  if (cause instanceof LambdaDispatchError) return cause.serialize(options)
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
