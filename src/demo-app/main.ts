// Entry point of the demo app, a stand-in for a user's unmodified web app. It reads its settings from the
// environment, listens, prints one ready line, and closes on SIGTERM/SIGINT. It imports nothing from src/.
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, startDemoApp } from './server.js'

interface DemoAppSettings {
  readonly port: number
  readonly host: string
  readonly startupDelayMs: number
  readonly keepAliveTimeoutMs: number
}

/** Reads and validates the settings; returns the list of problems when any value is invalid. */
function readSettings(env: NodeJS.ProcessEnv): DemoAppSettings | string[] {
  const problems: string[] = []
  const integer = (name: string, fallback: number, max: number): number => {
    const text = env[name]
    if (text === undefined || text === '') return fallback
    const value = Number(text)
    if (!/^\d+$/.test(text) || value > max) {
      problems.push(`${name} must be an integer 0-${max}, got "${text}"`)
      return fallback
    }
    return value
  }
  const settings: DemoAppSettings = {
    port: integer('PORT', 3001, 65535),
    host: env.HOST || '127.0.0.1',
    startupDelayMs: integer('DEMO_APP_STARTUP_DELAY_MS', 0, 2 ** 31 - 1),
    keepAliveTimeoutMs: integer('DEMO_APP_KEEP_ALIVE_TIMEOUT_MS', DEFAULT_KEEP_ALIVE_TIMEOUT_MS, 2 ** 31 - 1),
  }
  return problems.length > 0 ? problems : settings
}

function main(): void {
  const settings = readSettings(process.env)
  if (Array.isArray(settings)) {
    process.stderr.write(`demo-app: invalid configuration:\n  - ${settings.join('\n  - ')}\n`)
    process.exitCode = 1
    return
  }
  // The start-up delay simulates a slow app init; a signal during it must still end the process at once.
  const app = startDemoApp(settings)
  app.listening.then(
    ({ port }) => process.stdout.write(`demo-app listening on http://${settings.host}:${port}\n`),
    (error: Error) => {
      process.stderr.write(`demo-app: cannot listen on ${settings.host}:${settings.port}: ${error.message}\n`)
      process.exitCode = 1
      app.stop()
    },
  )
  // In-flight responses (SSE, /hang) would otherwise keep the process alive past the signal.
  process.once('SIGTERM', app.stop)
  process.once('SIGINT', app.stop)
}

main()
