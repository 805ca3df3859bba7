// A small Dockerfile reader for the deploy lint tests: parser directives, comments, continuation lines, exec (JSON)
// and shell forms, instruction flags, stages and global ARG substitution. Also a .dockerignore matcher.
// Pure: takes text, returns data. Heredocs are not supported (our Dockerfiles use none; the parser refuses them).

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, COPY … */
  readonly keyword: string
  /** `--name=value` flags before the arguments (`--from=build`, `--chmod=0755`, `--interval=10s`). */
  readonly flags: Readonly<Record<string, string>>
  /** The argument text after the flags, continuation lines joined with a space. */
  readonly text: string
  /** The exec form's array when the text is a JSON array of strings; undefined for shell form. */
  readonly exec: readonly string[] | undefined
  /** 1-based line of the keyword. */
  readonly line: number
}

export interface Stage {
  readonly index: number
  readonly name: string | undefined
  /** The image as written (`${NODE_IMAGE}`) and with global ARG defaults substituted. */
  readonly rawImage: string
  readonly image: string
  readonly platform: string | undefined
  /** The instructions after this stage's FROM, up to the next FROM. */
  readonly instructions: readonly Instruction[]
}

export interface Dockerfile {
  readonly directives: Readonly<Record<string, string>>
  /** ARGs declared before the first FROM, with their defaults ('' when none). */
  readonly globalArgs: ReadonlyMap<string, string>
  readonly instructions: readonly Instruction[]
  readonly stages: readonly Stage[]
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(\S+)\s*$/
const FLAG = /^--([a-z][a-z0-9-]*)(?:=(\S*))?$/

/** Parses a Dockerfile. Throws on a heredoc or an instruction without a keyword. */
export function parseDockerfile(source: string): Dockerfile {
  const lines = source.replace(/\r\n/g, '\n').split('\n')
  const directives: Record<string, string> = {}
  // Parser directives: only at the very top, before any comment that is not one, blank line or instruction.
  let index = 0
  for (; index < lines.length; index++) {
    const match = DIRECTIVE.exec(lines[index] as string)
    if (!match) break
    directives[(match[1] as string).toLowerCase()] = match[2] as string
  }
  const escapeChar = directives.escape ?? '\\'

  const instructions: Instruction[] = []
  let pending: { text: string; line: number } | undefined
  for (; index < lines.length; index++) {
    const line = lines[index] as string
    const trimmed = line.trim()
    // Comment lines are dropped, also inside a continued instruction; blank lines end nothing either.
    if (trimmed === '' || trimmed.startsWith('#')) continue
    const continues = trimmed.endsWith(escapeChar)
    const body = continues ? trimmed.slice(0, -escapeChar.length).trimEnd() : trimmed
    if (pending) pending.text = `${pending.text} ${body}`
    else pending = { text: body, line: index + 1 }
    if (!continues) {
      instructions.push(parseInstruction(pending.text, pending.line))
      pending = undefined
    }
  }
  if (pending) instructions.push(parseInstruction(pending.text, pending.line))

  const globalArgs = new Map<string, string>()
  const stages: Stage[] = []
  let current: { stage: Omit<Stage, 'instructions'>; instructions: Instruction[] } | undefined
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      if (current) stages.push({ ...current.stage, instructions: current.instructions })
      const [rawImage = '', as, name] = instruction.text.split(/\s+/)
      if (as !== undefined && (as.toUpperCase() !== 'AS' || name === undefined)) {
        throw new Error(`line ${instruction.line}: FROM takes "image [AS name]", got "${instruction.text}"`)
      }
      current = {
        stage: {
          index: stages.length,
          name: name?.toLowerCase(),
          rawImage,
          image: substitute(rawImage, globalArgs),
          platform: instruction.flags.platform,
        },
        instructions: [],
      }
    } else if (current) {
      current.instructions.push(instruction)
    } else if (instruction.keyword === 'ARG') {
      const [key = '', ...rest] = instruction.text.split('=')
      globalArgs.set(key.trim(), rest.join('=').trim())
    } else {
      throw new Error(`line ${instruction.line}: only ARG may come before the first FROM, got ${instruction.keyword}`)
    }
  }
  if (current) stages.push({ ...current.stage, instructions: current.instructions })
  return { directives, globalArgs, instructions, stages }
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text)
  if (!match) throw new Error(`line ${line}: not an instruction: "${text}"`)
  const keyword = (match[1] as string).toUpperCase()
  let rest = (match[2] ?? '').trim()
  if (/<<-?["']?[A-Za-z_]/.test(rest) && (keyword === 'RUN' || keyword === 'COPY')) {
    throw new Error(`line ${line}: heredocs are not supported by this reader`)
  }
  const flags: Record<string, string> = {}
  for (;;) {
    const token = /^(\S+)(\s+|$)/.exec(rest)
    const flag = token ? FLAG.exec(token[1] as string) : null
    if (!token || !flag) break
    flags[flag[1] as string] = flag[2] ?? 'true'
    rest = rest.slice(token[0].length)
  }
  // HEALTHCHECK's command follows the flags as its own instruction text: `CMD [...]` or `NONE`.
  return {
    keyword,
    flags,
    text: rest,
    exec: execForm(keyword === 'HEALTHCHECK' ? rest.replace(/^CMD\s+/i, '') : rest),
    line,
  }
}

function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined
  } catch {
    return undefined
  }
}

/** `${NAME}`, `${NAME:-default}` and `$NAME` from the given ARG defaults; unknown names stay as written. */
export function substitute(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced, fallback, bare) => {
      const name = (braced ?? bare) as string
      const value = args.get(name)
      if (value !== undefined && value !== '') return value
      return fallback ?? whole
    },
  )
}

/** The source and destination operands of a COPY/ADD (exec or shell form; the last operand is the destination). */
export function copyOperands(instruction: Instruction): { sources: string[]; destination: string } {
  const operands = instruction.exec ?? instruction.text.split(/\s+/).filter((part) => part !== '')
  if (operands.length < 2)
    throw new Error(`line ${instruction.line}: ${instruction.keyword} needs a source and a destination`)
  return { sources: operands.slice(0, -1), destination: operands[operands.length - 1] as string }
}

/**
 * Whether `.dockerignore` patterns exclude `path` (relative, forward slashes) from the build context. Docker's rules:
 * the last matching pattern wins, `!` re-includes, a pattern matching a directory covers everything below it,
 * `*` and `?` stay within one path segment and `**` spans any number of them.
 */
export function isIgnored(path: string, dockerignore: string): boolean {
  const patterns = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  const candidates = ancestorsAndSelf(path.replace(/\/+$/, ''))
  let ignored = false
  for (const raw of patterns) {
    const negated = raw.startsWith('!')
    const pattern = (negated ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '')
    const regex = globToRegExp(pattern)
    if (candidates.some((candidate) => regex.test(candidate))) ignored = !negated
  }
  return ignored
}

function ancestorsAndSelf(path: string): string[] {
  const parts = path.split('/')
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'))
}

function globToRegExp(pattern: string): RegExp {
  let source = ''
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*'
      index++
      if (pattern[index + 1] === '/') index++
    } else if (char === '*') source += '[^/]*'
    else if (char === '?') source += '[^/]'
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}
