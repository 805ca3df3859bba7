// Keeps docs/errors.md and the error classes in step (STYLE.md §6): unique codes, each documented, none invented.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'

const ROOT = resolve(import.meta.dirname, '../..')

function errorFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return errorFiles(path)
    return name === 'errors.ts' ? [path] : []
  })
}

function codesInSource(): string[] {
  return errorFiles(join(ROOT, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/readonly code = '(LD_[A-Z0-9_]+)'/g)].map((match) => match[1] as string),
  )
}

function codesInDocs(): string[] {
  const text = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8')
  return [...text.matchAll(/^\|\s*`(LD_[A-Z0-9_]+)`\s*\|/gm)].map((match) => match[1] as string)
}

test('every error code is unique across the source', () => {
  const codes = codesInSource()
  const duplicates = codes.filter((code, index) => codes.indexOf(code) !== index)
  assert.deepEqual(duplicates, [])
  assert.ok(codes.length >= 6, `expected the catalogue to hold the known codes, found ${codes.length}`)
})

test('docs/errors.md lists every code in the source and no other', () => {
  const source = new Set(codesInSource())
  const docs = new Set(codesInDocs())
  assert.deepEqual([...source].filter((code) => !docs.has(code)).sort(), [], 'codes missing from docs/errors.md')
  assert.deepEqual([...docs].filter((code) => !source.has(code)).sort(), [], 'codes in docs/errors.md but not in src')
})
