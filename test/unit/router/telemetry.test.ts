// Router telemetry (issue 8 items 2 and 7): the status-class label, and the metric catalogue kept in step with the
// README and docs/observability.md (every metric the telemetry registers is listed, and nothing listed is missing).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { createSilentLogger } from '../../../src/common/index.js'
import { RouterEvents } from '../../../src/router/events.js'
import { type StatusClass, statusClassOf } from '../../../src/router/telemetry/request-outcome.js'
import { RouterTelemetry } from '../../../src/router/telemetry/router-telemetry.js'

const statusCases: [number, StatusClass][] = [
  [100, '1xx'],
  [200, '2xx'],
  [204, '2xx'],
  [304, '3xx'],
  [404, '4xx'],
  [499, '4xx'],
  [500, '5xx'],
  [599, '5xx'],
  [99, '1xx'],
  [600, '5xx'],
  [999, '5xx'],
]
for (const [status, expected] of statusCases) {
  test(`status ${status} is counted as ${expected}`, () => assert.equal(statusClassOf(status), expected))
}

function registeredMetricNames(): string[] {
  const registry = new Registry()
  new RouterTelemetry({ events: new RouterEvents(), registry, logger: createSilentLogger() })
  return registry.getMetricsAsArray().map((metric) => metric.name)
}

for (const doc of ['README.md', 'docs/observability.md']) {
  test(`${doc} lists every router metric, and only metrics that exist`, () => {
    const text = readFileSync(resolve(import.meta.dirname, '../../..', doc), 'utf8')
    const registered = registeredMetricNames()
    assert.deepEqual(
      registered.filter((name) => !text.includes(`\`${name}\``)),
      [],
      'registered but not listed',
    )
    const listed = new Set([...text.matchAll(/`(lambda_dispatch_router_[a-z_]+)`/g)].map((match) => match[1]))
    assert.deepEqual(
      [...listed].filter((name) => name !== undefined && !registered.includes(name)),
      [],
      'listed but not registered',
    )
  })
}
