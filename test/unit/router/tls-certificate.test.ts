// The router's self-signed certificate (issue 14, item 7: written through @peculiar/asn1-x509): what a TLS client and
// the pinning extension read from it, checked through node:crypto's own X.509 parser.
import assert from 'node:assert/strict'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { test } from 'node:test'
import { createSelfSignedIdentity } from '../../../src/router/tls-certificate.js'

test('the self-signed certificate names every host, is not a CA, verifies with its own key and matches its pin', () => {
  const now = new Date('2026-06-01T12:00:00Z')
  const identity = createSelfSignedIdentity(['localhost', '127.0.0.1', '::1', 'router.internal'], now, 30)
  const certificate = new X509Certificate(identity.certPem)
  assert.equal(
    certificate.subjectAltName,
    'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:router.internal',
  )
  assert.equal(certificate.subject, 'CN=lambda-dispatch router')
  assert.equal(certificate.issuer, certificate.subject)
  assert.equal(certificate.ca, false)
  assert.equal(certificate.verify(certificate.publicKey), true)
  assert.equal(certificate.checkPrivateKey(createPrivateKey(identity.keyPem)), true)
  assert.equal(new Date(certificate.validFrom).toISOString(), '2026-06-01T11:00:00.000Z')
  assert.equal(new Date(certificate.validTo).toISOString(), '2026-07-01T12:00:00.000Z')
  assert.equal(certificate.fingerprint256.replaceAll(':', '').toLowerCase(), identity.certSha256)
  assert.equal(identity.selfSigned, true)
})

test('two certificates made at the same instant differ in serial number and fingerprint', () => {
  const now = new Date()
  const a = new X509Certificate(createSelfSignedIdentity(['localhost'], now).certPem)
  const b = new X509Certificate(createSelfSignedIdentity(['localhost'], now).certPem)
  assert.notEqual(a.serialNumber, b.serialNumber)
  assert.notEqual(a.fingerprint256, b.fingerprint256)
})

test('every self-signed certificate parses: its serial is a minimal positive DER INTEGER (2,000 in a row)', () => {
  // A serial whose first byte is 0 is non-minimal DER; about 1 in 256 random serials did that and the router failed
  // to start with "PEM routines::no start line".
  for (let i = 0; i < 2000; i++) {
    const identity = createSelfSignedIdentity(['127.0.0.1'])
    const serial = new X509Certificate(identity.certPem).serialNumber
    assert.match(serial, /^[4-7][0-9A-F]{31}$/, `serial ${serial}`)
  }
})
