// The byte pipe both relays of bench/micro/echo-floor.ts use: two duplex streams copied into each other. Like `pipe()`, but a side pauses its source only once 256 KiB wait to be
// written (as the router and the extension do; `pipe()` pauses at the 16 KiB high-water mark, a stop-and-wait per
// chunk), so the reference relays are not slowed by a setting the product does not use.
import type { Duplex } from 'node:stream'

export const RELAY_PAUSE_AT_BYTES = 256 * 1024

function copy(from: Duplex, to: Duplex): void {
  const resume = (): void => {
    from.resume()
  }
  from.on('data', (chunk: Buffer) => {
    to.write(chunk)
    if (to.writableLength >= RELAY_PAUSE_AT_BYTES) {
      from.pause()
      to.once('drain', resume)
    }
  })
  from.once('end', () => to.end())
}

/**
 * A side that ends passes its end on (the other side flushes what it holds, then ends); a side that fails, or closes
 * before its end, takes the other down with it. Destroying the other side on every close would cut off bytes it
 * still has to write: the app closes its socket right after the echo's last byte.
 */
export function pipeBothWays(a: Duplex, b: Duplex): void {
  copy(a, b)
  copy(b, a)
  const closeBoth = (): void => {
    a.destroy()
    b.destroy()
  }
  for (const side of [a, b]) {
    side.once('error', closeBoth)
    side.once('close', () => {
      if (!side.readableEnded) closeBoth()
    })
  }
}
