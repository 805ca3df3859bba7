// The per-invoke channel token (WaiterRequest ChannelToken): how it is made and how a presented one is judged.
// Pure but for the random source passed in; comparison in constant time. No I/O.
import { randomBytes, timingSafeEqual } from 'node:crypto'

/** 256 bits: guessing one is out of reach however many requests an attacker sends. */
export const CHANNEL_TOKEN_BYTES = 32

/** A fresh token: 32 random bytes as base64url (43 characters, safe in a header value). */
export function newChannelToken(random: (size: number) => Buffer = randomBytes): string {
  return random(CHANNEL_TOKEN_BYTES).toString('base64url')
}

/** What a control request's token says: `ok` admits it; `missing` and `wrong` are refused with 403. */
export type ChannelTokenVerdict = 'ok' | 'missing' | 'wrong'

/**
 * Judges the token values a control request carried against the instance's (the token, or its UTF-8 bytes). No token
 * at all is `ok` only when `allowMissing` (AllowUnauthenticatedChannels, for extensions that have none); a wrong or
 * repeated token never is.
 * A value of another byte length is refused at once: every token has the same public length (CHANNEL_TOKEN_BYTES in
 * base64url), so that says nothing secret. Values of the token's length are compared in constant time.
 */
export function judgeChannelToken(
  expected: string | Buffer,
  presented: readonly string[],
  allowMissing: boolean,
): ChannelTokenVerdict {
  if (presented.length === 0) return allowMissing ? 'ok' : 'missing'
  if (presented.length !== 1) return 'wrong'
  // No digest per request: this runs for every channel POST, one per proxied request. The instance passes its token's
  // bytes, made once (LambdaInstance.channelTokenBytes).
  const a = typeof expected === 'string' ? Buffer.from(expected) : expected
  const b = Buffer.from(presented[0] as string)
  if (a.length !== b.length) return 'wrong'
  return timingSafeEqual(a, b) ? 'ok' : 'wrong'
}
