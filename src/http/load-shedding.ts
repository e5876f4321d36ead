import type { FastifyInstance } from "fastify";
import { errorBody } from "../core/errors.ts";
import type { ShedReason } from "../metrics/metrics.ts";
import { type LoadPressure, shedError } from "../runtime/load-pressure.ts";

export interface LoadSheddingOptions {
  /** The process's pressure reading, shared with gRPC (src/runtime/load-pressure.ts). */
  pressure: Pick<LoadPressure, "reason">;
  /** True once shutdown began: new work is refused so in-flight work can finish. */
  draining: () => boolean;
  onShed: (reason: ShedReason) => void;
}

/**
 * Sheds judging requests, never queues them: 503 OVERLOADED with Retry-After while the process
 * is under pressure (event-loop delay or heap, the same reading gRPC sheds on), and while
 * draining for shutdown. Registered in the judging routes' context only, so health and metrics
 * still answer.
 */
export function loadShedding(app: FastifyInstance, options: LoadSheddingOptions): void {
  // Callback hooks, not async ones: no promise per request for a check that is nearly always
  // false. A hook that answers does not call `done`.
  app.addHook("onRequest", (_request, reply, done) => {
    const reason = options.draining() ? "draining" : options.pressure.reason();
    if (reason === null) return done();
    options.onShed(reason);
    // Draining: close the connection, so the client's next request goes to another gateway.
    if (reason === "draining") reply.header("connection", "close");
    reply.header("retry-after", "1");
    reply.code(503).send(errorBody(shedError(reason)));
  });
  // A connection whose verdict was in flight at SIGTERM closes after it: left idle in
  // keep-alive it would hold the drain open until its keep-alive timeout.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (options.draining()) reply.header("connection", "close");
    done(null, payload);
  });
}
