import { type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyBaseLogger } from "fastify";
import { AppError, errorBody } from "../core/errors.ts";

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (Node's `clientError`):
 * malformed framing, headers past the size limit, a client too slow with its headers or body.
 * They get the catalogue's shape like every other error, not Node's or Fastify's own bodies.
 */
function protocolError(error: ConnectionError): AppError {
  switch (error.code) {
    // Node raises this one code for both the headers and the whole-request timeout.
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new AppError("REQUEST_TIMEOUT", "the request did not arrive in time");
    case "HPE_HEADER_OVERFLOW":
      return new AppError("HEADERS_TOO_LARGE", "the request headers are too large");
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new AppError("PAYLOAD_TOO_LARGE", "the chunk extensions are too large");
    default: {
      const reason = error.message.replace(/^Parse Error: /, "");
      return new AppError("INVALID_REQUEST", `malformed HTTP request: ${reason}`, {
        details: [{ reason: error.code ?? "parse_error" }],
      });
    }
  }
}

function rawResponse(error: AppError): string {
  const status = error.httpStatus;
  const body = JSON.stringify(errorBody(error));
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    "Content-Type: application/json; charset=utf-8\r\n" +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    "Connection: close\r\n\r\n" +
    body
  );
}

/**
 * Whether an answer can still go out on the socket: Node's own rule, nothing written yet of
 * the response in flight on it (a request timed out mid-body has one, not yet started).
 */
function canAnswer(socket: Socket): boolean {
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  return socket.writable && !inFlight?.headersSent;
}

/**
 * Fastify's `clientErrorHandler`: answers with the catalogue's status and body, then closes
 * the connection (the parser cannot resume after any of these). A protocol error is the
 * client's, so it is logged at info, by code only: the raw packet Node attaches may hold
 * headers, keys among them.
 */
export function clientErrorHandler(logger: FastifyBaseLogger) {
  return (error: ConnectionError, socket: Socket): void => {
    // A reset connection has nobody left to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    const appError = protocolError(error);
    logger.info(
      { code: appError.code, parserCode: error.code, statusCode: appError.httpStatus },
      "client protocol error",
    );
    if (!canAnswer(socket)) {
      socket.destroy();
      return;
    }
    // end() flushes the answer first; a client that never reads must not keep the socket.
    socket.end(rawResponse(appError), () => socket.destroy());
    socket.setTimeout(1_000, () => socket.destroy());
  };
}
