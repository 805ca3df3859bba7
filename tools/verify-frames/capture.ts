// Captures one TCP port on the loopback interface with tshark into a pcap file: start() resolves once tshark reports
// it is capturing; stop() makes sure the last packets reached the file, ends it with SIGINT and reads its packet and
// drop counts. Owns the tshark child process, one marker socket and a watcher on the file while it stops.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { type FSWatcher, watch } from 'node:fs'
import { open } from 'node:fs/promises'
import { type AddressInfo, connect, createServer } from 'node:net'
import { PcapStreamReader } from './pcap-stream.js'

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

// "Capturing on 'lo'" comes some 50 ms before packets are really captured; "Capture started" comes after.
const READY = /Capture started/

/**
 * libpcap hands packets over in blocks that are flushed on a timer (about 1 s), and a capture stopped before the
 * timer fires loses the last block without counting it as dropped. So stop() first sends a marker (one TCP connect
 * from a known port to the captured port) and stops only once the marker is in the file: every packet before it has
 * then been written. tshark writes the file itself: piping it through this (busy) process made the kernel drop packets.
 */
export class LoopbackCapture {
  readonly #child: ChildProcess
  readonly #exited: Promise<unknown>
  readonly #port: number
  readonly #pcapPath: string
  #stderr = ''

  private constructor(child: ChildProcess, port: number, pcapPath: string) {
    this.#child = child
    this.#port = port
    this.#pcapPath = pcapPath
    this.#exited = once(child, 'close')
  }

  /**
   * Starts `tshark -i lo -f "tcp port <port>" -F pcap -w <pcapPath>` with a `bufferMb` kernel buffer (loopback bursts
   * of multi-MiB bodies overflow the 2 MB default). Rejects if tshark exits or is not capturing within
   * `startTimeoutMs`.
   */
  static async start(options: {
    port: number
    pcapPath: string
    bufferMb: number
    startTimeoutMs: number
  }): Promise<LoopbackCapture> {
    const child = spawn(
      'tshark',
      [
        '-i',
        'lo',
        '-f',
        `tcp port ${options.port}`,
        '-B',
        String(options.bufferMb),
        '-F',
        'pcap',
        '-w',
        options.pcapPath,
        '-q',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    const capture = new LoopbackCapture(child, options.port, options.pcapPath)
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

  /**
   * Sends the marker, waits (at most `flushTimeoutMs`) until it is in the file, then stops tshark (SIGINT) and
   * returns its counts. `flushed` is false when the marker never came: the capture's end may be missing.
   */
  async stop(flushTimeoutMs = 10_000): Promise<CaptureStats & { readonly flushed: boolean; readonly stderr: string }> {
    const markerPort = await freeLocalPort()
    // Refused or accepted, the SYN goes out from markerPort; nothing more is needed from this socket.
    const socket = connect({ host: '127.0.0.1', port: this.#port, localAddress: '127.0.0.1', localPort: markerPort })
    socket.on('error', () => {})
    socket.on('connect', () => socket.destroy())
    const flushed = await waitForPortInPcap(this.#pcapPath, markerPort, flushTimeoutMs)
    socket.destroy()
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGINT')
    await this.#exited
    return { ...parseCaptureStats(this.#stderr), flushed, stderr: this.#stderr }
  }
}

const READ_CHUNK_BYTES = 1024 * 1024

/**
 * Reads the growing pcap file from its start, and again on each change, until a packet from or to `port` appears;
 * false after `timeoutMs`.
 */
async function waitForPortInPcap(pcapPath: string, port: number, timeoutMs: number): Promise<boolean> {
  const file = await open(pcapPath, 'r')
  const reader = new PcapStreamReader()
  let offset = 0
  let reading: Promise<boolean> | undefined
  let again = false
  // Reads to the current end of the file; true once the marker went by.
  const readToEnd = async (): Promise<boolean> => {
    for (;;) {
      const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      const { bytesRead } = await file.read(chunk, 0, chunk.length, offset)
      if (bytesRead === 0) return false
      offset += bytesRead
      for (const packet of reader.push(chunk.subarray(0, bytesRead))) {
        if (packet.sourcePort === port || packet.destinationPort === port) return true
      }
    }
  }
  try {
    return await new Promise<boolean>((resolve) => {
      let watcher: FSWatcher | undefined
      const timer = setTimeout(() => finish(false), timeoutMs)
      const finish = (found: boolean): void => {
        clearTimeout(timer)
        watcher?.close()
        resolve(found)
      }
      const scan = (): void => {
        if (reading !== undefined) {
          again = true
          return
        }
        reading = readToEnd()
        void reading.then((found) => {
          reading = undefined
          if (found) finish(true)
          else if (again) {
            again = false
            scan()
          }
        })
      }
      watcher = watch(pcapPath, scan)
      scan()
    })
  } finally {
    await reading
    await file.close()
  }
}
async function freeLocalPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
