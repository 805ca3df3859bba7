// Issue 13 item 5: the admin listener's Host allow-list (DNS rebinding), as a table.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { adminHostAllowList, isAllowedAdminHost } from '../../../../src/router/admin/allowed-hosts.js'

const allowed = adminHostAllowList('admin.internal', ['metrics.example'])

const cases: ReadonlyArray<{ name: string; host: string | undefined; expect: boolean }> = [
  { name: 'localhost with a port', host: 'localhost:5005', expect: true },
  { name: 'LOCALHOST in capitals', host: 'LOCALHOST', expect: true },
  { name: 'an IPv4 literal with a port', host: '127.0.0.1:5005', expect: true },
  { name: 'a VPC IPv4 literal (an ALB health check)', host: '10.0.3.17:5005', expect: true },
  { name: 'a bracketed IPv6 literal with a port', host: '[::1]:5005', expect: true },
  { name: 'the configured AdminHost name', host: 'admin.internal:5005', expect: true },
  { name: 'an AdminAllowedHosts name with a trailing dot', host: 'metrics.example.', expect: true },
  { name: 'no Host at all (HTTP/1.0)', host: undefined, expect: true },
  { name: "an attacker's rebound domain", host: 'rebind.attacker.example:5005', expect: false },
  { name: 'a name that only starts like localhost', host: 'localhost.attacker.example', expect: false },
  { name: 'a non-numeric port', host: 'localhost:abc', expect: false },
  { name: 'an unclosed IPv6 bracket', host: '[::1:5005', expect: false },
  { name: 'an empty Host', host: '', expect: false },
]

for (const row of cases) {
  test(`admin Host: ${row.name} is ${row.expect ? 'answered' : 'refused'}`, () => {
    assert.equal(isAllowedAdminHost(row.host, allowed), row.expect)
  })
}

test('an IP address as AdminHost adds no name; loopback names are always on the list', () => {
  assert.deepEqual([...adminHostAllowList('0.0.0.0', [])].sort(), ['localhost', 'localhost.localdomain'])
})
