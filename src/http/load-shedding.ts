import { getHeapStatistics } from "node:v8";
import underPressure from "@fastify/under-pressure";
import type { FastifyInstance } from "fastify";
import { AppError, errorBody } from "../core/errors.ts";
import type { ShedReason } from "../metrics/metrics.ts";

export interface LoadSheddingOptions {
  /** Event-loop delay past which requests are shed, ms; 0 = off. */
  maxEventLoopDelayMs: number;
  /** Heap use past which requests are shed, bytes; 0 = 90% of V8's heap limit. */
  maxHeapBytes: number;
  /** True once shutdown began: new work is refused so in-flight work can finish. */
  draining: () => boolean;
  onShed: (reason: ShedReason) => void;
}

function overloaded(message: string): AppError {
  return new AppError("OVERLOADED", message, { retryAfterSeconds: 1 });
}

/**
 * Sheds judging requests, never queues them: 503 OVERLOADED with Retry-After while the event
 * loop lags or the heap is nearly full (@fastify/under-pressure), and while draining for
 * shutdown. Registered in the judging routes' context only, so health and metrics still answer.
 */
export async function loadShedding(app: FastifyInstance, options: LoadSheddingOptions) {
  // Callback hooks, not async ones: no promise per request for a check that is nearly always
  // false. A hook that answers does not call `done`.
  app.addHook("onRequest", (_request, reply, done) => {
    if (!options.draining()) return done();
    options.onShed("draining");
    reply.header("connection", "close").header("retry-after", "1");
    reply.code(503).send(errorBody(overloaded("the server is shutting down")));
  });
  // A connection whose verdict was in flight at SIGTERM closes after it: left idle in
  // keep-alive it would hold the drain open until its keep-alive timeout.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (options.draining()) reply.header("connection", "close");
    done(null, payload);
  });
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapBytes || Math.floor(getHeapStatistics().heap_size_limit * 0.9),
    pressureHandler: (_request, reply, type) => {
      const reason = type === underPressure.TYPE_EVENT_LOOP_DELAY ? "event_loop" : "heap";
      options.onShed(reason);
      reply.header("retry-after", "1").code(503);
      reply.send(errorBody(overloaded(`the server is overloaded (${reason})`)));
    },
  });
}
