// Lint rules shared by the Dockerfile tests (router image, extension image). Each returns the problems it found as
// sentences, so a failing assertion says what to fix. Reads the repository's files; writes nothing.
import { existsSync, readFileSync } from 'node:fs'
import { join, posix, resolve } from 'node:path'
import {
  copyOperands,
  type Dockerfile,
  type Instruction,
  isIgnored,
  parseDockerfile,
  type Stage,
} from './dockerfile.js'

export const REPO_ROOT = resolve(import.meta.dirname, '../..')

export function readDockerfile(relativePath: string): Dockerfile {
  return parseDockerfile(readFileSync(join(REPO_ROOT, relativePath), 'utf8'))
}

/** `dist/<entry>.js` and its `.map`, for every esbuild entry point in scripts/build.mjs: what `npm run build` makes. */
export function buildOutputs(): Set<string> {
  const script = readFileSync(join(REPO_ROOT, 'scripts/build.mjs'), 'utf8')
  const outputs = new Set<string>()
  for (const match of script.matchAll(/entryPoints:\s*\{\s*'?([\w-]+)'?\s*:/g)) {
    outputs.add(`dist/${match[1]}.js`)
    outputs.add(`dist/${match[1]}.js.map`)
  }
  return outputs
}

/** Tags pinned to a full version (`node:20.20.2-bookworm-slim`): never `latest`, never a bare major, never untagged. */
export function unpinnedImages(dockerfile: Dockerfile): string[] {
  const stageNames = new Set(dockerfile.stages.flatMap((stage) => (stage.name ? [stage.name] : [])))
  return dockerfile.stages.flatMap((stage) => {
    const image = stage.image
    if (image === 'scratch' || stageNames.has(image.toLowerCase())) return []
    if (image.includes('$')) return [`stage ${stage.index}: image "${stage.rawImage}" has an ARG without a default`]
    if (image.includes('@sha256:')) return []
    const tag = /:([^/:]+)$/.exec(image)?.[1]
    if (tag === undefined) return [`stage ${stage.index}: image "${image}" has no tag`]
    if (!/^\d+\.\d+\.\d+(-|$)/.test(tag)) return [`stage ${stage.index}: image "${image}" is not pinned to x.y.z`]
    return []
  })
}

export function finalStage(dockerfile: Dockerfile): Stage {
  const stage = dockerfile.stages[dockerfile.stages.length - 1]
  if (!stage) throw new Error('the Dockerfile has no stage')
  return stage
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword)
}

/** ADD of a URL or git source (fetches at build time, unpinned and unverified); COPY is the rule. */
export function remoteAdds(dockerfile: Dockerfile): string[] {
  return dockerfile.instructions
    .filter((instruction) => instruction.keyword === 'ADD')
    .filter((instruction) => /(^|\s|")(https?:\/\/|git@|git:\/\/)/.test(instruction.text))
    .map((instruction) => `line ${instruction.line}: ADD fetches "${instruction.text}"`)
}

/** `npm install` in a RUN (it may rewrite the lockfile; `npm ci` installs exactly what the lockfile says). */
export function npmInstalls(dockerfile: Dockerfile): string[] {
  return dockerfile.instructions
    .filter((instruction) => instruction.keyword === 'RUN' && /\bnpm\s+(install|i|add)\b/.test(instruction.text))
    .map((instruction) => `line ${instruction.line}: use npm ci instead of "${instruction.text}"`)
}

/**
 * Every COPY source must exist: in the build context (the repository, and not dropped by .dockerignore) or, for
 * `--from=<stage>`, as a file that stage copied in from the context or that `npm run build` writes there.
 */
export function missingCopySources(dockerfile: Dockerfile): string[] {
  const dockerignore = existsSync(join(REPO_ROOT, '.dockerignore'))
    ? readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    : ''
  const outputs = buildOutputs()
  const problems: string[] = []
  const workdirOf = (stage: Stage, before: Instruction): string => {
    let workdir = '/'
    for (const instruction of stage.instructions) {
      if (instruction === before) break
      if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.text)
    }
    return workdir
  }
  for (const stage of dockerfile.stages) {
    for (const copy of instructionsOf(stage, 'COPY')) {
      const { sources } = copyOperands(copy)
      const from = copy.flags.from
      for (const source of sources) {
        if (from === undefined) {
          const relative = source.replace(/^\.\//, '').replace(/\/$/, '')
          if (!existsSync(join(REPO_ROOT, relative)))
            problems.push(`line ${copy.line}: ${source} is not in the repository`)
          else if (isIgnored(relative, dockerignore))
            problems.push(`line ${copy.line}: ${source} is excluded by .dockerignore`)
          continue
        }
        const origin = dockerfile.stages.find((candidate) => candidate.name === from.toLowerCase())
        if (!origin) {
          problems.push(`line ${copy.line}: --from=${from} is not a stage of this Dockerfile`)
          continue
        }
        // The origin stage builds in its WORKDIR from context files; map the absolute path back to the repository.
        const lastInstruction = origin.instructions[origin.instructions.length - 1] as Instruction
        const workdir = workdirOf(origin, lastInstruction)
        const relative = posix.relative(workdir, source)
        if (relative.startsWith('..')) {
          problems.push(`line ${copy.line}: ${source} is outside the ${from} stage's WORKDIR ${workdir}`)
        } else if (!outputs.has(relative) && !existsSync(join(REPO_ROOT, relative))) {
          problems.push(`line ${copy.line}: ${source} is neither a repository file nor an output of npm run build`)
        }
      }
    }
  }
  return problems
}
