import { setMaxListeners } from "node:events";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { Runtime } from "../runtime/runtime.ts";
import { Health } from "./gen/grpc/health/v1/health_pb.ts";
import { JudgeService } from "./gen/jurist/v1/judge_pb.ts";
import { createHealthService } from "./health-service.ts";
import { judgeHandlers } from "./judge-handlers.ts";
import { keyBeforeMessageInterceptor } from "./key-before-message.ts";
import { malformedInputInterceptor } from "./malformed-input.ts";
import { servedDefinition } from "./service-definition.ts";

/** A gRPC server with Jurist's services added, not yet listening. */
export interface BuiltGrpcServer {
  server: Server;
  /**
   * Begins the drain: health turns NOT_SERVING (watchers are told, their calls end), new
   * judging calls get UNAVAILABLE (`OVERLOADED`), streams answer what they have in flight and
   * end.
   */
  beginDrain(): void;
}

/** A listening gRPC server. */
export interface StartedGrpcServer {
  /** The port bound (the real one when asked for port 0). */
  port: number;
  /** `host:port`, as clients dial it. */
  address: string;
  /**
   * Drains (see `beginDrain`), lets in-flight calls finish for up to `graceMs`, then cancels
   * whatever is left and stops.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * Builds the gRPC server on `runtime` (the same judge, keys, fleet and metrics as HTTP):
 * `jurist.v1.JudgeService` and `grpc.health.v1.Health`. Never listens (`startGrpcServer` does).
 */
export function buildGrpcServer(runtime: Runtime, logger: Logger): BuiltGrpcServer {
  const { config } = runtime;
  const drain = new AbortController();
  // Every open stream listens on it until it ends.
  setMaxListeners(0, drain.signal);
  // The request timeout, unset, is HTTP's (what gRPC always followed before it had its own).
  const requestTimeoutMs = config.grpc.requestTimeoutMs ?? config.http.requestTimeoutMs;
  const server = new Server({
    "grpc.max_receive_message_length": config.grpc.maxMessageBytes,
    // No channelz service is registered to read them: its per-call counters and traces were
    // pure cost on the verdict path (loadtest/RESULTS.md).
    "grpc.enable_channelz": 0,
    // Clients rebalance over gateway pods added since they connected: past the age the server
    // sends GOAWAY and the client's next call opens a connection the Service may place
    // elsewhere (grpc-js 1.14.7 src/server.ts, _sessionHandler: ±10% jitter, then
    // `session.goaway(NO_ERROR)` and `session.close()`, which lets calls in flight finish; the
    // grace timer, when set, destroys the session after it). Left out, grpc-js never does.
    ...connectionAgeOptions(config.grpc),
    // A call that needs a key and has none is refused before its message is read
    // (key-before-message.ts); malformed requests get INVALID_ARGUMENT with jurist-error-code,
    // not grpc-js's own INTERNAL or UNIMPLEMENTED (malformed-input.ts says which cases and why).
    interceptors: [
      keyBeforeMessageInterceptor(runtime.auth, runtime.metrics.grpc),
      malformedInputInterceptor(runtime.metrics.grpc),
    ],
  });
  const health = createHealthService({
    ready: () => runtime.readiness().ready,
    services: [JudgeService.typeName],
  });
  server.addService(servedDefinition(Health), health.implementation);
  server.addService(
    servedDefinition(JudgeService),
    judgeHandlers({
      service: runtime.judgeService,
      reward: runtime.rewardService,
      fleet: runtime.fleet,
      auth: runtime.auth,
      streamConcurrency: config.grpc.streamConcurrency,
      draining: drain.signal,
      limiter: runtime.rateLimiter,
      pressure: runtime.pressure,
      onShed: (reason) => runtime.metrics.admission.shed.inc({ reason }),
      inflight: runtime.inflight,
      rpc: {
        timeoutMs: requestTimeoutMs,
        shutdown: runtime.shutdownSignal,
        logger,
        metrics: runtime.metrics.grpc,
      },
    }),
  );
  return {
    server,
    beginDrain() {
      if (drain.signal.aborted) return;
      drain.abort();
      health.drain();
    },
  };
}

/** grpc-js's connection-age options from the settings: none for "never" or "unset". */
export function connectionAgeOptions(settings: {
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs?: number | undefined;
}): Record<string, number> {
  if (settings.maxConnectionAgeMs === 0) return {};
  return {
    "grpc.max_connection_age_ms": settings.maxConnectionAgeMs,
    ...(settings.maxConnectionAgeGraceMs === undefined
      ? {}
      : { "grpc.max_connection_age_grace_ms": settings.maxConnectionAgeGraceMs }),
  };
}

/** Where and how `startGrpcServer` listens. */
export interface GrpcListenOptions {
  logger: Logger;
  /** Bind address; default the config's HOST. */
  host?: string;
  /** Port; default the config's GRPC_PORT; 0 picks a free one. */
  port?: number;
}

/** Builds the server and listens; rejects when the address cannot be bound. */
export async function startGrpcServer(
  runtime: Runtime,
  listen: GrpcListenOptions,
): Promise<StartedGrpcServer> {
  const { server, beginDrain } = buildGrpcServer(runtime, listen.logger);
  const host = listen.host ?? runtime.config.host;
  const bindHost = host.includes(":") ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${bindHost}:${listen.port ?? runtime.config.grpcPort}`,
      ServerCredentials.createInsecure(),
      (error, bound) => (error ? reject(error) : resolve(bound)),
    );
  });
  return {
    port,
    address: `${bindHost}:${port}`,
    async close(graceMs) {
      beginDrain();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
