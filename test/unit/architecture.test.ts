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

/** Groups of files that import each other in a circle (strongly connected, more than one file), by relative imports. */
function importCircles(files: readonly string[]): string[][] {
  const edges = new Map<string, string[]>()
  for (const file of files) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
    edges.set(file, targets)
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const circles: string[][] = []
  const visit = (file: string): void => {
    index.set(file, index.size)
    low.set(file, index.get(file) as number)
    stack.push(file)
    onStack.add(file)
    for (const target of edges.get(file) ?? []) {
      if (!edges.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number))
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number))
      }
    }
    if (low.get(file) !== index.get(file)) return
    const group: string[] = []
    let member: string
    do {
      member = stack.pop() as string
      onStack.delete(member)
      group.push(relative(SRC, member))
    } while (member !== file)
    if (group.length > 1) circles.push(group.sort())
  }
  for (const file of files) if (!index.has(file)) visit(file)
  return circles
}

// Issue 15: settings are one mechanism in common/settings; a settings table and the loader that reads it (config.ts,
// config-settings.ts) must not import each other, even for a type.
test('no configuration or settings file is part of an import circle', () => {
  const isSettingsFile = (path: string): boolean => /(^|\/)config[^/]*\.ts$|^common\/settings\//.test(path)
  const circles = importCircles(sourceFiles(SRC)).filter((group) => group.some(isSettingsFile))
  assert.deepEqual(circles, [])
})
