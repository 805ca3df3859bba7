// Pure. A small seeded pseudo-random generator (sfc32), so a soak run's request sequence replays from its seed.
// Not for cryptography: it only has to be fast, well spread and reproducible.

/** Returns numbers in [0, 1), the same sequence for the same seed. */
export type Random = () => number

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through splitmix32 so any integer works. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4294967296
  }
}

/** An integer in [min, max], both inclusive. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

/**
 * An integer in [min, max] spread evenly over orders of magnitude (log-uniform on [min + 1, max + 1]), so small and
 * large sizes are both common while the mean stays far below max.
 */
export function randomLogInt(random: Random, min: number, max: number): number {
  const low = Math.log(min + 1)
  const high = Math.log(max + 1)
  const value = Math.floor(Math.exp(low + random() * (high - low))) - 1
  return Math.min(max, Math.max(min, value))
}

/** Fills `target` with bytes from `random` (4 bytes per draw). */
export function fillRandomBytes(random: Random, target: Buffer): Buffer {
  let offset = 0
  for (; offset + 4 <= target.length; offset += 4) target.writeUInt32LE(Math.floor(random() * 4294967296), offset)
  for (; offset < target.length; offset++) target[offset] = Math.floor(random() * 256)
  return target
}
