import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyBaseLogger, FastifyInstance } from "fastify";
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

/** How much of an unmet `Expect` value the answer repeats. */
const EXPECT_SHOWN = 64;

/**
 * Node's `checkExpectation`: a request whose `Expect` is not `100-continue` (which Node meets
 * itself, through `checkContinue`) gets `417 EXPECTATION_FAILED` in the catalogue's shape,
 * where Node's default is a 417 with no body. The connection closes: the body the client may
 * send anyway is no request.
 */
function expectationFailed(logger: FastifyBaseLogger) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const expectation = String(request.headers.expect).slice(0, EXPECT_SHOWN);
    const error = new AppError(
      "EXPECTATION_FAILED",
      `the server meets no expectation but 100-continue (Expect: ${expectation})`,
    );
    logger.info(
      { code: error.code, statusCode: error.httpStatus, method: request.method },
      "client protocol error",
    );
    const body = JSON.stringify(errorBody(error));
    response.shouldKeepAlive = false;
    response.writeHead(error.httpStatus, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      connection: "close",
    });
    response.end(body);
  };
}

/**
 * The protocol checks Node would make with an empty answer, made by the app in the catalogue's
 * shape instead: an unmet `Expect` (above), and an HTTP/1.1 request without `Host`, which Node
 * refuses with a bodiless 400 unless told not to (server-options.ts sets `requireHostHeader:
 * false` so that this hook answers it). HTTP/1.0 needs no `Host`, and still needs none.
 */
export function protocolChecks(app: FastifyInstance): void {
  const server = app.server as Server;
  if (server.listenerCount("checkExpectation") === 0) {
    server.on("checkExpectation", expectationFailed(app.log));
  }
  app.addHook("onRequest", (request, _reply, done) => {
    const { httpVersionMajor, httpVersionMinor } = request.raw;
    if (httpVersionMajor === 1 && httpVersionMinor === 1 && request.headers.host === undefined) {
      done(
        new AppError("INVALID_REQUEST", "an HTTP/1.1 request needs a Host header", {
          details: [{ reason: "missing_host" }],
        }),
      );
      return;
    }
    done();
  });
}
