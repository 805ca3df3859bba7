// The X-Request-Id the front door gives a request that came without a valid one: an RFC 9562 version 4 UUID, as
// crypto.randomUUID() makes, from the same kind of batch of random bytes (randomFillSync, 128 ids at a time). Each
// id is written into one string: randomUUID concatenates twenty pieces, about 550 bytes of strings per request.

import { randomFillSync } from 'node:crypto'

const IDS_PER_BATCH = 128
const random = Buffer.alloc(16 * IDS_PER_BATCH)
let nextId = IDS_PER_BATCH
const text = Buffer.alloc(36)
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1')
const DASH = 0x2d

/** A new random UUID (version 4, lower-case hex, 36 characters). */
export function newRequestId(): string {
  if (nextId === IDS_PER_BATCH) {
    randomFillSync(random)
    nextId = 0
  }
  const offset = 16 * nextId++
  // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 0b10 in the high bits of byte 8.
  random[offset + 6] = ((random[offset + 6] as number) & 0x0f) | 0x40
  random[offset + 8] = ((random[offset + 8] as number) & 0x3f) | 0x80
  let at = 0
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) text[at++] = DASH
    const byte = random[offset + index] as number
    text[at++] = HEX_DIGITS[byte >> 4] as number
    text[at++] = HEX_DIGITS[byte & 0x0f] as number
  }
  return text.toString('latin1', 0, 36)
}
