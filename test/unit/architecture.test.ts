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

// The settings table and config.ts still import each other; one settings mechanism (issue 15 item 4) ends it.
const KNOWN_FILE_CYCLES = [['config-settings.ts', 'config.ts']]

test('no two files of src/router import each other, directly or around a circle', () => {
  assert.deepEqual(cyclesOf(importGraph(join(SRC, 'router'))), KNOWN_FILE_CYCLES)
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
