// Captures one TCP port on the loopback interface with tshark into a pcap file: start() resolves once tshark reports
// it is capturing, stop() ends it with SIGINT (so the file is complete) and reads its packet and drop counts.
// Owns the tshark child process and nothing else.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'

export interface CaptureStats {
  /** Packets tshark says it captured; undefined when it did not say. */
  readonly captured: number | undefined
  /** Packets the kernel or tshark dropped, summed over its reports (0 when it reported none). */
  readonly dropped: number
}

/** Pure: reads tshark's closing lines, e.g. `12345 packets captured` and `3 packets dropped from lo`. */
export function parseCaptureStats(stderr: string): CaptureStats {
  let captured: number | undefined
  let dropped = 0
  for (const line of stderr.split('\n')) {
    const capturedMatch = /(\d+) packets? captured/.exec(line)
    if (capturedMatch) captured = Number(capturedMatch[1])
    const droppedMatch = /(\d+) packets? dropped/.exec(line)
    if (droppedMatch) dropped += Number(droppedMatch[1])
    // dumpcap's form, should tshark pass it on: "Packets received/dropped on interface 'lo': 100/2 (…)".
    const receivedDropped = /received\/dropped on interface .*: (\d+)\/(\d+)/.exec(line)
    if (receivedDropped) dropped += Number(receivedDropped[2])
  }
  return { captured, dropped }
}

const READY = /Capturing on|Capture started/

export class LoopbackCapture {
  readonly #child: ChildProcess
  readonly #exited: Promise<unknown>
  #stderr = ''

  private constructor(child: ChildProcess) {
    this.#child = child
    this.#exited = once(child, 'close')
  }

  /**
   * Starts `tshark -i lo -f "tcp port <port>" -w <pcapPath>` with a `bufferMb` kernel buffer (loopback bursts of
   * multi-MiB bodies overflow the 2 MB default). Rejects if tshark exits or is not capturing within `startTimeoutMs`.
   */
  static async start(options: {
    port: number
    pcapPath: string
    bufferMb: number
    startTimeoutMs: number
  }): Promise<LoopbackCapture> {
    const child = spawn(
      'tshark',
      ['-i', 'lo', '-f', `tcp port ${options.port}`, '-B', String(options.bufferMb), '-w', options.pcapPath, '-q'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    const capture = new LoopbackCapture(child)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`tshark did not start capturing within ${options.startTimeoutMs} ms: ${capture.#stderr}`))
      }, options.startTimeoutMs)
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        capture.#stderr += text
        if (READY.test(capture.#stderr)) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`tshark could not start: ${error.message}`))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`tshark exited (${code ?? signal}) before capturing: ${capture.#stderr.trim()}`))
      })
    })
    return capture
  }

  /** Stops the capture (SIGINT flushes the file) and returns tshark's counts. */
  async stop(): Promise<CaptureStats & { readonly stderr: string }> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT')
    await this.#exited
    return { ...parseCaptureStats(this.#stderr), stderr: this.#stderr }
  }
}
