// Pure. The execution environment's states and the transitions allowed between them.

/**
 * `cold` → `initializing` → (`invoking` ⇄ `ready` ⇄ `frozen`) → `shutting-down` → `dead`.
 * A cold environment is created for one invoke, so init leads straight to `invoking` unless nothing waits.
 */
export type EnvironmentState = 'cold' | 'initializing' | 'ready' | 'invoking' | 'frozen' | 'shutting-down' | 'dead'

export const ALLOWED_TRANSITIONS: Readonly<Record<EnvironmentState, readonly EnvironmentState[]>> = {
  cold: ['initializing', 'shutting-down'],
  initializing: ['invoking', 'ready', 'shutting-down'],
  ready: ['invoking', 'frozen', 'shutting-down'],
  invoking: ['ready', 'shutting-down'],
  frozen: ['invoking', 'shutting-down'],
  'shutting-down': ['dead'],
  dead: [],
}

export function canTransition(from: EnvironmentState, to: EnvironmentState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to)
}
