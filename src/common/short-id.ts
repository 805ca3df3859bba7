// Pure. How ids appear where many can read them (logs at info and above, the snapshot, events and dashboard): their
// first 8 characters. Enough to tell instances apart and to find the full id in debug logs; too little to address one.

/** Characters of an id shown outside debug logs. */
export const SHORT_ID_LENGTH = 8

/**
 * Context fields that hold an instance or channel id, whichever error carries them. Errors keep them whole for code;
 * what they serialise for logs above debug, the snapshot and the event stream carries the prefix.
 */
export const ADDRESSING_ID_FIELDS: ReadonlySet<string> = new Set(['lambdaId', 'channelId'])

/** The first 8 characters of `id` (the whole id when shorter); undefined stays undefined. */
export function shortId<T extends string | undefined>(id: T): T {
  return (id === undefined ? id : id.slice(0, SHORT_ID_LENGTH)) as T
}
