// Enforces the module boundaries of STYLE.md §2: which top-level folder of src/ may import which.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { test } from 'node:test'

const SRC = resolve(import.meta.dirname, '../../src')

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  common: [],
  protocol: ['common'],
  router: ['protocol', 'common'],
  extension: ['protocol', 'common'],
  local: ['common'],
  'demo-app': [],
  cli: ['common', 'protocol', 'router', 'extension', 'local', 'demo-app'],
}

// Node built-ins and packages each module may not use, beyond the folder rules.
const FORBIDDEN_PACKAGES: Readonly<Record<string, RegExp>> = {
  protocol: /^(node:(?!buffer$).*|[^.].*)$/,
  'demo-app': /^(?!node:)/,
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

function importsOf(text: string): string[] {
  const specifiers: string[] = []
  const pattern = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
  for (const match of text.matchAll(pattern)) specifiers.push((match[1] ?? match[2]) as string)
  return specifiers
}

test('every import in src/ respects the module boundary table', () => {
  const violations: string[] = []
  for (const file of sourceFiles(SRC)) {
    const module = relative(SRC, file).split(sep)[0] as string
    const allowed = ALLOWED[module]
    if (!allowed) {
      violations.push(`${relative(SRC, file)}: top-level folder "${module}" is not in the boundary table`)
      continue
    }
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        if (FORBIDDEN_PACKAGES[module]?.test(specifier)) {
          violations.push(`${relative(SRC, file)} imports "${specifier}", which ${module}/ may not use`)
        }
        continue
      }
      const target = relative(SRC, resolve(dirname(file), specifier))
      const targetModule = target.split(sep)[0] as string
      if (targetModule === module) continue
      if (!allowed.includes(targetModule)) {
        violations.push(`${relative(SRC, file)} imports ${target}: ${module}/ may not import ${targetModule}/`)
      } else if (target.split(sep).length !== 2 || !/^index\.(js|ts)$/.test(target.split(sep)[1] as string)) {
        violations.push(`${relative(SRC, file)} imports ${target}: other modules are reached only through index.ts`)
      }
    }
  }
  assert.deepEqual(violations, [])
})

// Node's undocumented or private HTTP internals (issue 15): one file relies on them and says why, so a Node upgrade
// that changes one of them is checked in one place.
const NODE_INTERNALS_OWNER = join('router', 'front-door', 'connection-sniffer.ts')
const NODE_INTERNALS: readonly RegExp[] = [
  /\._httpMessage\b/,
  /Server\.prototype\.close\b/,
  /\blisteners\(\s*['"]connection['"]\s*\)/,
  /\bremoveAllListeners\(\s*['"]connection['"]\s*\)/,
]

test("Node's private HTTP internals are used only by the front door's connection sniffer", () => {
  const users: string[] = []
  for (const file of sourceFiles(SRC)) {
    const path = relative(SRC, file)
    if (path === NODE_INTERNALS_OWNER) continue
    const text = readFileSync(file, 'utf8')
    for (const pattern of NODE_INTERNALS) if (pattern.test(text)) users.push(`${path} uses ${pattern}`)
  }
  assert.deepEqual(users, [])
  const owner = readFileSync(join(SRC, NODE_INTERNALS_OWNER), 'utf8')
  assert.ok(
    NODE_INTERNALS.every((pattern) => pattern.test(owner)),
    'the owner still holds every one (else drop it from the list)',
  )
})
