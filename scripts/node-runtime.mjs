// Fetches the Node runtime the self-contained layer carries: the npm registry's node-linux-<arch> package at the version
// deploy/layer/node-runtime.json pins, checked against the sha512 integrity recorded there, and kept in a cache
// directory so a second run downloads nothing. Downloads with `npm pack`, so the registry, proxy and CA settings of
// the user's npm apply. Extracts only the binary and its licence (the package also holds headers, docs and npm).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** The architectures a layer can carry Node for, as npm names them (Lambda calls x64 `x86_64`). */
export const NODE_ARCHITECTURES = Object.freeze(['x64', 'arm64'])

/**
 * The pinned runtime: `{ version, packages: { x64: { name, integrity }, arm64: … } }`.
 * @param {string} pinFile
 */
export function readNodePin(pinFile) {
  const pin = JSON.parse(readFileSync(pinFile, 'utf8'))
  for (const arch of NODE_ARCHITECTURES) {
    const entry = pin.packages?.[arch]
    if (typeof pin.version !== 'string' || typeof entry?.name !== 'string' || !/^sha512-/.test(entry?.integrity)) {
      throw new Error(`${pinFile} must give "version" and packages.${arch}.{name, integrity (sha512-…)}`)
    }
  }
  return pin
}

/** @param {string} file */
function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`
}

/**
 * The verified package tarball for `arch` in `cacheDir`, downloaded when it is missing or does not match the pin.
 * @param {{ version: string, packages: Record<string, { name: string, integrity: string }> }} pin
 * @param {string} arch
 * @param {string} cacheDir
 * @param {(line: string) => void} say
 * @returns {string}
 */
export function fetchNodePackage(pin, arch, cacheDir, say) {
  const entry = pin.packages[arch]
  if (!entry) throw new Error(`no Node package is pinned for ${arch}`)
  const spec = `${entry.name}@${pin.version}`
  const tarball = join(cacheDir, `${entry.name}-${pin.version}.tgz`)
  if (existsSync(tarball) && integrityOf(tarball) === entry.integrity) {
    say(`${spec}: verified from the cache (${tarball})`)
    return tarball
  }
  rmSync(tarball, { force: true })
  mkdirSync(cacheDir, { recursive: true })
  say(`${spec}: downloading from the npm registry`)
  // Into a directory of its own, then renamed: a concurrent run never reads a half-written tarball from the cache.
  const incoming = mkdtempSync(join(cacheDir, 'incoming-'))
  try {
    const packed = spawnSync('npm', ['pack', spec, '--pack-destination', incoming, '--json', '--loglevel=error'], {
      cwd: incoming,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    const downloaded = join(incoming, `${entry.name}-${pin.version}.tgz`)
    if (packed.error) throw new Error(`could not run npm to download ${spec}: ${packed.error.message}`)
    if (packed.status !== 0 || !existsSync(downloaded)) {
      throw new Error(
        `could not download ${spec} from the npm registry (npm pack exited ${packed.status}):\n${packed.stderr.trim()}`,
      )
    }
    const actual = integrityOf(downloaded)
    if (actual !== entry.integrity) {
      throw new Error(
        `${spec} downloaded with integrity ${actual}, but the pin records ${entry.integrity}; refusing to package it`,
      )
    }
    renameSync(downloaded, tarball)
  } finally {
    rmSync(incoming, { recursive: true, force: true })
  }
  say(`${spec}: downloaded and verified (${entry.integrity.slice(0, 22)}…)`)
  return tarball
}

/**
 * Unpacks the binary and the licence of a node-linux-<arch> tarball into a new directory under `parent`.
 * @param {string} tarball
 * @param {string} parent
 * @returns {{ node: string, license: string }}
 */
export function extractNodeBinary(tarball, parent) {
  const into = mkdtempSync(join(parent, 'node-'))
  const members = ['package/bin/node', 'package/LICENSE']
  const untarred = spawnSync('tar', ['-xzf', tarball, '-C', into, ...members], { encoding: 'utf8' })
  if (untarred.error) throw new Error(`could not run tar (${untarred.error.message})`)
  if (untarred.status !== 0) {
    throw new Error(`tar could not extract ${members.join(' and ')} from ${tarball}:\n${untarred.stderr}`)
  }
  return { node: join(into, 'package/bin/node'), license: join(into, 'package/LICENSE') }
}
