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

// Issue 15 item 5: the extension is split into units (invocation → router connection, deadlines, channels) that
// import one way; a circle or an oversized file means responsibilities are leaking back together.
const EXTENSION = join(SRC, 'extension')
const MAX_FILE_LINES = 400

/** The circles in the import graph of `files` (relative imports among them), each as the files on it, in order. */
function importCircles(files: readonly string[], read: (file: string) => string): string[][] {
  const edges = new Map<string, string[]>()
  for (const file of files) {
    const targets = importsOf(read(file))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
      .filter((target) => files.includes(target))
    edges.set(file, targets)
  }
  const circles: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    path.push(file)
    for (const target of edges.get(file) ?? []) {
      if (state.get(target) === 'open') circles.push(path.slice(path.indexOf(target)))
      else if (state.get(target) === undefined) visit(target)
    }
    path.pop()
    state.set(file, 'done')
  }
  for (const file of files) if (state.get(file) === undefined) visit(file)
  return circles
}

test('the circle check finds a circle through three files and none in a chain', () => {
  const texts: Record<string, string> = {
    '/m/a.ts': "import { b } from './b.js'",
    '/m/b.ts': "import { c } from './c.js'\nimport type { X } from '../x.js'",
    '/m/c.ts': "import { a } from './a.js'",
    '/m/d.ts': "import { a } from './a.js'",
  }
  const read = (file: string): string => texts[file] ?? ''
  assert.deepEqual(importCircles(Object.keys(texts), read), [['/m/a.ts', '/m/b.ts', '/m/c.ts']])
  texts['/m/c.ts'] = ''
  assert.deepEqual(importCircles(Object.keys(texts), read), [])
})

test('src/extension has no import circles', () => {
  const circles = importCircles(sourceFiles(EXTENSION), (file) => readFileSync(file, 'utf8'))
  assert.deepEqual(
    circles.map((circle) => circle.map((file) => relative(SRC, file))),
    [],
  )
})

test(`no file in src/extension is over ${MAX_FILE_LINES} lines`, () => {
  const oversized = sourceFiles(EXTENSION)
    .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
    .filter((entry) => entry.lines > MAX_FILE_LINES)
  assert.deepEqual(oversized, [])
})

// Issue 15: settings are one mechanism in common/settings; a settings table and the loader that reads it (config.ts,
// config-settings.ts) must not import each other, even for a type.
test('no configuration or settings file is part of an import circle', () => {
  const isSettingsFile = (path: string): boolean => /(^|\/)config[^/]*\.ts$|^common\/settings\//.test(path)
  const circles = importCircles(sourceFiles(SRC), (file) => readFileSync(file, 'utf8'))
    .map((circle) => circle.map((file) => relative(SRC, file)))
    .filter((circle) => circle.some(isSettingsFile))
  assert.deepEqual(circles, [])
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

// The relative imports of every file under `dir`, resolved to files (`.js` specifiers name the `.ts` sources).
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(dir)) {
    const targets = importsOf(readFileSync(file, 'utf8'))
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

test('no two files of src/router import each other, directly or around a circle', () => {
  assert.deepEqual(cyclesOf(importGraph(join(SRC, 'router'))), [])
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
