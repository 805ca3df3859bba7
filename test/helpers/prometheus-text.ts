// Reads the Prometheus text exposition format (what /metrics serves) into samples, so tests can assert exact values
// by name and labels. Handles the escapes prom-client writes in label values (\\, \", \n).

export interface PrometheusSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface PrometheusScrape {
  readonly samples: readonly PrometheusSample[]
  /** `# TYPE` lines: metric family name → type. */
  readonly types: ReadonlyMap<string, string>
  /**
   * The value of the sample with exactly these labels (0 when absent, as Prometheus treats a counter never
   * incremented).
   */
  value(name: string, labels?: Record<string, string>): number
  /** Every sample of a name. */
  all(name: string): readonly PrometheusSample[]
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parsePrometheusText(text: string): PrometheusScrape {
  const samples: PrometheusSample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      if (name !== undefined && type !== undefined) types.set(name, type)
      continue
    }
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const label of (match[2] ?? '').matchAll(LABEL)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) })
  }
  return {
    samples,
    types,
    value(name, labels = {}) {
      const wanted = Object.entries(labels)
      const found = samples.find(
        (sample) =>
          sample.name === name &&
          Object.keys(sample.labels).length === wanted.length &&
          wanted.every(([key, value]) => sample.labels[key] === value),
      )
      return found?.value ?? 0
    },
    all(name) {
      return samples.filter((sample) => sample.name === name)
    },
  }
}
