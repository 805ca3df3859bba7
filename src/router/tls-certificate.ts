// The router's TLS identity: loads a configured certificate, or makes a self-signed one at start, and computes the
// SHA-256 fingerprint the extension pins (WaiterRequest RouterCertSha256). Reads files only when paths are given.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'

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
 * from an hour ago for `validDays`. Pure computation through node:crypto: milliseconds, no files, no openssl binary.
 */
export function createSelfSignedIdentity(hosts: readonly string[], now = new Date(), validDays = 825): TlsIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const notBefore = new Date(now.getTime() - 3_600_000)
  const notAfter = new Date(now.getTime() + validDays * 86_400_000)
  const name = seq(set(seq(oid('2.5.4.3'), der(0x0c, Buffer.from('lambda-dispatch router', 'utf8')))))
  const serial = randomBytes(16)
  serial[0] = (serial[0] as number) & 0x7f
  const tbs = seq(
    der(0xa0, integerBytes(Buffer.from([2]))),
    integerBytes(serial),
    ECDSA_SHA256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(subjectAltName(hosts), basicConstraintsNotCa())),
  )
  const signature = sign('sha256', tbs, privateKey)
  const certDer = seq(tbs, ECDSA_SHA256, der(0x03, Buffer.concat([Buffer.from([0]), signature])))
  const certPem = pem('CERTIFICATE', certDer)
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  return { keyPem, certPem, certSha256: sha256Hex(certDer), selfSigned: true }
}

/** Lower-case hex SHA-256 of DER bytes: the form the pinning extension compares. */
export function sha256Hex(certDer: Buffer): string {
  return createHash('sha256').update(certDer).digest('hex')
}

// A minimal DER writer: just the types an X.509 v3 certificate needs (ITU-T X.690).
function der(tag: number, content: Buffer): Buffer {
  const length = content.length
  let header: Buffer
  if (length < 0x80) header = Buffer.from([tag, length])
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length])
  else if (length < 0x10000) header = Buffer.from([tag, 0x82, length >> 8, length & 0xff])
  else header = Buffer.from([tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff])
  return Buffer.concat([header, content])
}

function seq(...items: Buffer[]): Buffer {
  return der(0x30, Buffer.concat(items))
}

function set(...items: Buffer[]): Buffer {
  return der(0x31, Buffer.concat(items))
}

function integerBytes(value: Buffer): Buffer {
  return der(0x02, value)
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number)
  const bytes = [(parts[0] as number) * 40 + (parts[1] as number)]
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f]
    for (let rest = part >> 7; rest > 0; rest >>= 7) chunk.unshift((rest & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return der(0x06, Buffer.from(bytes))
}

// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after.
function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`))
}

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'))

function subjectAltName(hosts: readonly string[]): Buffer {
  const names = hosts.map((host) => {
    const ip = ipBytes(host)
    return ip ? der(0x87, ip) : der(0x82, Buffer.from(host, 'latin1'))
  })
  return seq(oid('2.5.29.17'), der(0x04, seq(...names)))
}

function basicConstraintsNotCa(): Buffer {
  return seq(oid('2.5.29.19'), der(0x04, seq()))
}

function ipBytes(host: string): Buffer | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  if (v4) return Buffer.from(v4.slice(1).map(Number))
  if (!host.includes(':')) return undefined
  const [head = '', tail] = host.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  if (groups.length !== 8) return undefined
  const out = Buffer.alloc(16)
  for (const [index, group] of groups.entries()) out.writeUInt16BE(Number.parseInt(group, 16), index * 2)
  return out
}

function pem(label: string, body: Buffer): string {
  const base64 = body.toString('base64').replace(/.{64}/g, '$&\n')
  return `-----BEGIN ${label}-----\n${base64}${base64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`
}
