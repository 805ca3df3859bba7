// Pure. Maps Node's HTTP/1.1 parser and timeout errors (the server's 'clientError') to the router's client errors,
// which statusFor() turns into 400, 408 or 431. No I/O.
import {
  BadClientRequestError,
  ClientHeadTooLargeError,
  ClientRequestTimeoutError,
  type RouterError,
} from '../errors.js'

/** Maps Node's HTTP/1.1 parser and timeout errors to the router's client errors. */
export function clientErrorFor(error: NodeJS.ErrnoException, maxRequestHeadBytes: number): RouterError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ClientHeadTooLargeError(maxRequestHeadBytes, { cause: error })
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ClientRequestTimeoutError({ cause: error })
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return new BadClientRequestError('conflicting or invalid message framing', { cause: error })
    default:
      return new BadClientRequestError(`malformed request (${error.code ?? 'unknown'})`, { cause: error })
  }
}
