import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { pino } from "pino";
import type { MetricValue } from "prom-client";
import { Health } from "../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import { JudgeService } from "../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { type StartedGrpcServer, startGrpcServer } from "../../src/grpc/grpc-server.ts";
import { clientConstructor, type UnaryClientMethod } from "../../src/grpc/service-definition.ts";
import type { Runtime, RuntimeOptions } from "../../src/runtime/runtime.ts";
import { buildGateway, type Teardown } from "./gateway.ts";

const JudgeClient = clientConstructor(JudgeService);
const HealthClient = clientConstructor(Health);

/** A gateway listening on loopback for HTTP and gRPC, closed when the test ends. */
export interface GrpcGateway {
  runtime: Runtime;
  /** HTTP base URL. */
  url: string;
  grpc: StartedGrpcServer;
  judge: InstanceType<typeof JudgeClient>;
  health: InstanceType<typeof HealthClient>;
}

/**
 * `buildGateway` (HTTP on a loopback port) plus the gRPC server on another, and real grpc-js
 * clients built from the same service definitions the server serves.
 */
export async function startGrpcGateway(
  t: Teardown,
  env: Record<string, string>,
  options: RuntimeOptions = {},
): Promise<GrpcGateway> {
  const { runtime, url } = await buildGateway(t, env, { ...options, listen: true });
  const grpc = await startGrpcServer(runtime, {
    logger: pino({ level: "silent" }),
    host: "127.0.0.1",
    port: 0,
  });
  const judge = new JudgeClient(grpc.address, credentials.createInsecure());
  const health = new HealthClient(grpc.address, credentials.createInsecure());
  t.teardown(async () => {
    judge.close();
    health.close();
    await grpc.close(1_000);
  });
  return { runtime, url, grpc, judge, health };
}

/** Options of one unary call. */
export interface UnaryCallOptions {
  metadata?: Metadata;
  /** Deadline from now, ms. */
  deadlineMs?: number;
}

/** Calls a unary method; rejects with the grpc-js ServiceError (code, details, trailers). */
export function unaryCall<Request, Response>(
  client: Client,
  method: UnaryClientMethod<Request, Response>,
  request: Request,
  options: UnaryCallOptions = {},
): Promise<Response> {
  const deadline =
    options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.deadlineMs;
  return new Promise((resolve, reject) => {
    method.call(
      client,
      request,
      options.metadata ?? new Metadata(),
      { deadline },
      (error, value) => (error ? reject(error) : resolve(value!)),
    );
  });
}

/**
 * Calls the unary method `path` (`/jurist.v1.JudgeService/Pairwise`) at `address` with `bytes`
 * as its request message, as they are: for messages no generated client would build. Resolves
 * to the response's bytes; rejects with the grpc-js ServiceError.
 */
export function rawUnaryCall(
  address: string,
  path: string,
  bytes: Uint8Array,
  metadata = new Metadata(),
): Promise<Buffer> {
  const client = new Client(address, credentials.createInsecure());
  const identity = (value: Buffer) => value;
  return new Promise<Buffer>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      Buffer.from(bytes),
      metadata,
      {},
      (error, value) => {
        client.close();
        if (error) reject(error);
        else resolve(value!);
      },
    );
  });
}

/** The ServiceError a call rejected with; fails loudly when it succeeded instead. */
export async function callError(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("the call succeeded; an error was expected");
}

/** Metadata with `authorization: Bearer <key>`. */
export function bearer(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${key}`);
  return metadata;
}

/** A metric's samples from the runtime's registry (`metricName` set on histogram samples). */
export async function metricSamples(runtime: Runtime, name: string) {
  const metric = runtime.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  return (await metric.get()).values as (MetricValue<string> & { metricName?: string })[];
}

/** The value of a single-series gauge. */
export async function gaugeValue(runtime: Runtime, name: string): Promise<number> {
  const [sample] = await metricSamples(runtime, name);
  return sample?.value ?? 0;
}

/** Polls `check` every 10 ms for up to `timeoutMs`; resolves to its last answer. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

/** A sim's `vllm:*` gauge or counter, summed over its series, from its `/metrics`. */
export async function simMetric(simUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${simUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      total += Number(line.split(" ").pop());
    }
  }
  return total;
}
