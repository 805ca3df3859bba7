// Standalone entry of the extension, bundled to dist/extension.js and started by /opt/extensions/lambda-dispatch.
// Runs until SHUTDOWN, a signal or a fatal error; exits 0 on a clean shutdown, 1 otherwise (docs/extension.md).
import { runExtensionProcess } from './index.js'

process.exit(await runExtensionProcess(process.env))
