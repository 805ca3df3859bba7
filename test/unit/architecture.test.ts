// Enforces the module boundaries of STYLE.md §2 (which top-level folder of src/ may import which) and the shape rules
// of issue 15: no import circles in src/, no file over 400 lines but the named data tables.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
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
  // The demo app's one package: `ws`, for its /ws echo (issue 18).
  'demo-app': /^(?!node:|ws$)/,
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

// The relative imports of each file under `dir`, resolved to files (`.js` specifiers name the `.ts` sources) and keyed
// relative to `dir`; imports that leave `dir` are left out. `read` and `files` are seams for the finder's own test.
function importGraph(
  dir: string,
  files: readonly string[] = sourceFiles(dir),
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const targets = importsOf(read(file))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
      .filter((target) => target.startsWith(dir + sep))
    graph.set(relative(dir, file), [...new Set(targets.map((target) => relative(dir, target)))])
  }
  return graph
}

// Every cycle's members, each cycle once (strongly connected components of more than one node, Tarjan).
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (node: string): void => {
    index.set(node, index.size)
    low.set(node, index.get(node) as number)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const members: string[] = []
    let member: string
    do {
      member = stack.pop() as string
      onStack.delete(member)
      members.push(member)
    } while (member !== node)
    if (members.length > 1) cycles.push(members.sort())
  }
  for (const node of graph.keys()) if (!index.has(node)) visit(node)
  return cycles
}

test('the circle finder finds a circle through three files and none in a chain', () => {
  const texts: Record<string, string> = {
    '/m/a.ts': "import { b } from './b.js'",
    '/m/b.ts': "import { c } from './c.js'\nimport type { X } from '../x.js'",
    '/m/c.ts': "import { a } from './a.js'",
    '/m/d.ts': "import { a } from './a.js'",
  }
  const cycles = (): string[][] => cyclesOf(importGraph('/m', Object.keys(texts), (file) => texts[file] ?? ''))
  assert.deepEqual(cycles(), [['a.ts', 'b.ts', 'c.ts']])
  texts['/m/c.ts'] = ''
  assert.deepEqual(cycles(), [])
})

// Issue 15: no import circles anywhere in src/. A circle means two units cannot be understood, tested or changed
// apart; this covers the extension's units, the router's folders and the settings tables with their loaders.
test('no two files of src/ import each other, directly or around a circle', () => {
  assert.deepEqual(cyclesOf(importGraph(SRC)), [])
})

// Issue 15: one concept per file, about 400 lines at most (STYLE.md §3). Only data tables may be longer: rows of
// settings are read one at a time, not as a flow.
const MAX_FILE_LINES = 400
const DATA_TABLES: readonly string[] = [join('router', 'config-settings.ts')]

test(`no file in src/ is over ${MAX_FILE_LINES} lines, except the named data tables`, () => {
  const linesOf = (path: string): number => readFileSync(join(SRC, path), 'utf8').split('\n').length - 1
  const oversized = sourceFiles(SRC)
    .map((file) => relative(SRC, file))
    .filter((path) => !DATA_TABLES.includes(path) && linesOf(path) > MAX_FILE_LINES)
    .map((path) => `${path}: ${linesOf(path)} lines`)
  assert.deepEqual(oversized, [])
  const stale = DATA_TABLES.filter((path) => !existsSync(join(SRC, path)) || linesOf(path) <= MAX_FILE_LINES)
  assert.deepEqual(stale, [], 'a data table that is gone or within the limit leaves the list')
})

test('no two folders of src/router import each other, directly or around a circle', () => {
  const folders = new Map<string, Set<string>>()
  for (const [file, targets] of importGraph(join(SRC, 'router'))) {
    const from = dirname(file)
    // The router's own top-level files (errors, events, the composition root) are shared by every folder.
    if (from === '.') continue
    const edges = folders.get(from) ?? new Set<string>()
    for (const target of targets) if (dirname(target) !== '.' && dirname(target) !== from) edges.add(dirname(target))
    folders.set(from, edges)
  }
  const graph = new Map([...folders].map(([folder, edges]) => [folder, [...edges]]))
  assert.deepEqual(cyclesOf(graph), [])
})

test('the domain publishes events and never imports router/telemetry/: only the composition root and admin read it', () => {
  const readers = new Set(['index.ts', 'admin'])
  const violations = [...importGraph(join(SRC, 'router'))].flatMap(([file, targets]) =>
    readers.has(file.split(sep)[0] as string) || file.startsWith(`telemetry${sep}`)
      ? []
      : targets.filter((target) => target.startsWith(`telemetry${sep}`)).map((target) => `${file} imports ${target}`),
  )
  assert.deepEqual(violations, [])
})
