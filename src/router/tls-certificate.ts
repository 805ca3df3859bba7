// The router's TLS identity: loads a configured certificate, or makes a self-signed one at start, and computes the
// SHA-256 fingerprint the extension pins (WaiterRequest RouterCertSha256). Reads files only when paths are given.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { AsnConvert, OctetString } from '@peculiar/asn1-schema'
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  GeneralName,
  id_ce_basicConstraints,
  id_ce_subjectAltName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509'

/** A key and certificate in PEM, with the certificate's fingerprint. */
export interface TlsIdentity {
  readonly keyPem: string
  readonly certPem: string
  /** Lower-case hex SHA-256 of the certificate's DER bytes, no separators. */
  readonly certSha256: string
  /** True when made at start rather than loaded. */
  readonly selfSigned: boolean
}

/** Loads a PEM certificate and key; throws (with the path in the message) when either is unreadable or mismatched. */
export async function loadTlsIdentity(certPath: string, keyPath: string): Promise<TlsIdentity> {
  const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')])
  const certificate = new X509Certificate(certPem)
  if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new Error(`the key in ${keyPath} does not match the certificate in ${certPath}`)
  }
  return { keyPem, certPem, certSha256: sha256Hex(certificate.raw), selfSigned: false }
}

/**
 * Makes a self-signed ECDSA P-256 certificate for `hosts` (DNS names or IP addresses in the SubjectAltName), valid
 * from an hour ago for `validDays`. The structure is built and DER-encoded by @peculiar/asn1-x509 (RFC 5280 types)
 * and signed by node:crypto: milliseconds, no files, no openssl binary.
 */
export function createSelfSignedIdentity(hosts: readonly string[], now = new Date(), validDays = 825): TlsIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const name = new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({
        type: OID_COMMON_NAME,
        value: new AttributeValue({ utf8String: 'lambda-dispatch router' }),
      }),
    ]),
  ])
  const serial = randomBytes(16)
  // A positive INTEGER (RFC 5280 §4.1.2.2) in DER's minimal form (X.690 §8.3.2): the top bit clear and the first byte
  // never zero, else a serial like 00 7f … is a non-minimal encoding OpenSSL refuses to parse.
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 }),
    issuer: name,
    validity: new Validity({
      notBefore: new Date(now.getTime() - 3_600_000),
      notAfter: new Date(now.getTime() + validDays * 86_400_000),
    }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions([
      new Extension({
        extnID: id_ce_subjectAltName,
        critical: false,
        extnValue: new OctetString(
          AsnConvert.serialize(
            new SubjectAlternativeName(
              hosts.map((host) =>
                isIP(host) ? new GeneralName({ iPAddress: host }) : new GeneralName({ dNSName: host }),
              ),
            ),
          ),
        ),
      }),
      new Extension({
        extnID: id_ce_basicConstraints,
        critical: true,
        extnValue: new OctetString(AsnConvert.serialize(new BasicConstraints({ cA: false }))),
      }),
    ]),
  })
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), privateKey)
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 }),
    signatureValue: toArrayBuffer(signature),
  })
  const certDer = Buffer.from(AsnConvert.serialize(certificate))
  const certPem = new X509Certificate(certDer).toString()
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  return { keyPem, certPem, certSha256: sha256Hex(certDer), selfSigned: true }
}

/** Lower-case hex SHA-256 of DER bytes: the form the pinning extension compares. */
export function sha256Hex(certDer: Buffer): string {
  return createHash('sha256').update(certDer).digest('hex')
}

// RFC 5280 §4.1.2.4 (X.520 commonName) and RFC 5758 §3.2 (ecdsa-with-SHA256).
const OID_COMMON_NAME = '2.5.4.3'
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}
