import type { FastifyInstance } from "fastify";

/**
 * One log line per answered request ("request completed": method, url, status, ms) in place of
 * Fastify's two (an "incoming request" line too). At info level the access log was an eighth of
 * the gateway's CPU per verdict (loadtest/RESULTS.md); the second line carried nothing the
 * first does not. The server is created with `disableRequestLogging: true` for this.
 */
export function logEachResponse(app: FastifyInstance): void {
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request completed",
    );
    done();
  });
}
