import { create } from "@bufbuild/protobuf";
import { type ServerWritableStream, status } from "@grpc/grpc-js";
import {
  type Health,
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "./gen/grpc/health/v1/health_pb.ts";
import type { MethodsOf, ServiceImplementationOf } from "./service-definition.ts";

export interface HealthServiceOptions {
  /** True exactly when `GET /readyz` says ready (a healthy replica serves the champion). */
  ready: () => boolean;
  /** Services reported besides "" (the server as a whole); all share its status. */
  services: readonly string[];
  /** How often open Watch calls re-read `ready`, ms. */
  pollMs?: number;
}

type Watcher = {
  call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;
  last: ServingStatus;
};

const response = (status: ServingStatus) => create(HealthCheckResponseSchema, { status });

/**
 * `grpc.health.v1.Health`: SERVING exactly when `/readyz` is ready, NOT_SERVING otherwise and
 * from the moment draining begins. Watch sends the status, then every change (polled every
 * `pollMs` while anyone watches); `drain()` tells watchers NOT_SERVING and ends their calls so
 * the server can shut down without waiting on them.
 */
export function createHealthService(options: HealthServiceOptions) {
  const known = new Set(["", ...options.services]);
  const watchers = new Set<Watcher>();
  let draining = false;
  let ticker: NodeJS.Timeout | undefined;

  const current = () =>
    !draining && options.ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;

  function notify(): void {
    const now = current();
    for (const watcher of watchers) {
      if (watcher.last === now || !known.has(watcher.call.request.service)) continue;
      watcher.last = now;
      watcher.call.write(response(now));
    }
  }

  function forget(watcher: Watcher): void {
    watchers.delete(watcher);
    if (watchers.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  const implementation: ServiceImplementationOf<MethodsOf<typeof Health>> = {
    check(call, callback) {
      if (!known.has(call.request.service)) {
        callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        return;
      }
      callback(null, response(current()));
    },
    list(_call, callback) {
      const now = response(current());
      const statuses = Object.fromEntries([...known].map((service) => [service, now]));
      callback(null, create(HealthListResponseSchema, { statuses }));
    },
    watch(call) {
      const last = known.has(call.request.service) ? current() : ServingStatus.SERVICE_UNKNOWN;
      if (draining) {
        call.write(response(last));
        call.end();
        return;
      }
      const watcher: Watcher = { call, last };
      watchers.add(watcher);
      call.once("cancelled", () => forget(watcher));
      call.write(response(last));
      ticker ??= setInterval(notify, options.pollMs ?? 500).unref();
    },
  };

  return {
    implementation,
    /** NOT_SERVING from now on: watchers are told, then their calls end. */
    drain(): void {
      draining = true;
      notify();
      for (const watcher of [...watchers]) {
        forget(watcher);
        watcher.call.end();
      }
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
