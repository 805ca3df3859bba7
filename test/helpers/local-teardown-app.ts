// A stand-in app for the local Lambda teardown tests, run as an execution environment's runtime process. It answers
// every request 200 on PORT and reports what it receives to a recorder on loopback, one line each on a connection
// that its exit closes (so even a SIGKILL is seen):
//   TEARDOWN_RECORDER_PORT   the recorder's port; it gets `app started`, then `app SIGTERM`
//   TEARDOWN_APP_ON_SIGTERM  exit: exit 0 on SIGTERM; anything else: ignore SIGTERM and keep serving until killed
import { createServer } from 'node:http'
import { connect } from 'node:net'

const recorder = connect(Number(process.env.TEARDOWN_RECORDER_PORT), '127.0.0.1')

process.on('SIGTERM', () => {
  recorder.write('app SIGTERM\n', () => {
    if (process.env.TEARDOWN_APP_ON_SIGTERM === 'exit') process.exit(0)
  })
})

createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => {
  recorder.write('app started\n')
})
