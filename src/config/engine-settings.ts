import { z } from "zod";
import { type BackendTarget, parseBackendTarget } from "../engine/backend-targets.ts";
import { csv, intIn, nonNegativeInt, numberIn, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

const backendTarget = z.string().transform((entry, context): BackendTarget => {
  const target = parseBackendTarget(entry);
  if (typeof target === "string") {
    context.addIssue({ code: "custom", message: target });
    return z.NEVER;
  }
  return target;
});

export const engine = area(
  "Engine: replicas, retries, ejection, hedging",
  "The vLLM replicas the gateway calls and how it spreads, retries and hedges those calls.",
  {
    engine: {
      backends: setting({
        env: "JURIST_BACKENDS",
        schema: csv.pipe(z.array(backendTarget).min(1)),
        doc: "comma-separated vLLM base URLs, or `dns+http://name:port` (every A/AAAA record a replica); unset → in-process simulated replicas",
      }),
      discoveryIntervalMs: setting({
        env: "JURIST_DISCOVERY_INTERVAL_MS",
        schema: positiveInt,
        default: 5_000,
        doc: "how often `dns+http://` backends are re-resolved, ms",
      }),
      structuredOutputField: setting({
        env: "JURIST_STRUCTURED_OUTPUT_FIELD",
        schema: z.enum(["auto", "structured_outputs", "guided_choice"]),
        default: "auto",
        doc: "how `fast` mode constrains the verdict: `auto` reads each replica's `GET /version` and sends `guided_choice` below vLLM 0.11.0 and `structured_outputs` from it (an unreadable version gets `structured_outputs`); `structured_outputs` or `guided_choice` sends that field to every replica (vLLM ignores a field its release lacks and answers unconstrained)",
      }),
      connectionsPerReplica: setting({
        env: "JURIST_ENGINE_CONNECTIONS",
        schema: intIn(1, 1024),
        doc: "keep-alive connections per replica for completions (1–1024); unset → twice what this gateway may keep in flight per replica alone (`JURIST_REPLICA_MAX_NUM_SEQS` × `JURIST_REPLICA_CAPACITY_SHARE`, capped by `JURIST_REPLICA_MAX_CONCURRENCY`; a pair's second order may ride past the limit on its partner's replica), at least 64 and at most 1,024, so every call admission lets in has a connection; fewer makes the calls past them wait in the pool's first-come queue, out of priority order, their attempt timeout running. Opened as calls need them; health and metrics polls have their own (`JURIST_PROBE_CONNECTIONS`)",
      }),
      probeConnections: setting({
        env: "JURIST_PROBE_CONNECTIONS",
        schema: intIn(1, 16),
        default: 2,
        doc: "connections per replica kept apart for its health, models, metrics and version polls (1–16), so a poll never waits behind completions that fill `JURIST_ENGINE_CONNECTIONS`; one poll reads its paths one after another, the second connection covers a poll that overlaps another (a replica joining mid-round)",
      }),
      keepAliveMs: setting({
        env: "JURIST_ENGINE_KEEP_ALIVE_MS",
        schema: intIn(100, 600_000),
        default: 4_000,
        doc: "how long an idle connection to a replica is kept, ms; keep it below the replica's own idle timeout (vLLM: 5 s, `VLLM_HTTP_TIMEOUT_KEEP_ALIVE`) so the replica never closes one under a request",
      }),
      apiKey: setting({
        env: "JURIST_REPLICA_API_KEY",
        schema: z.string().min(1),
        doc: "sent as `Authorization: Bearer <key>` on every replica call (chat, health, models, metrics, version, LoRA load and unload), for replicas started with `--api-key`; a secret: never logged",
      }),
      healthIntervalMs: setting({
        env: "JURIST_HEALTH_INTERVAL_MS",
        schema: positiveInt,
        default: 2_000,
        doc: "how often replicas' `/health`, `/v1/models` and `/metrics` are polled, ms",
      }),
      maxInFlightPerReplica: setting({
        env: "JURIST_REPLICA_MAX_CONCURRENCY",
        schema: positiveInt,
        doc: "a cap on the engine calls this gateway keeps in flight per replica; unset → no cap: the gateway's share of the replica's capacity alone decides (`JURIST_REPLICA_MAX_NUM_SEQS` × `JURIST_REPLICA_CAPACITY_SHARE` ÷ the gateways it sees), and a set value is the lower of the two",
      }),
      attemptTimeoutMs: setting({
        env: "JURIST_ATTEMPT_TIMEOUT_MS",
        schema: positiveInt,
        default: 30_000,
        doc: "one call to one replica, ms; past it the call is retried on another replica",
      }),
      retryBudget: {
        ratio: setting({
          env: "JURIST_RETRY_BUDGET_RATIO",
          schema: numberIn(0, 1),
          default: 0.2,
          doc: "retries allowed as a fraction of first attempts over the window",
        }),
        windowMs: setting({
          env: "JURIST_RETRY_BUDGET_WINDOW_MS",
          schema: positiveInt,
          default: 10_000,
          doc: "the retry budget's sliding window, ms",
        }),
        minRetriesPerWindow: setting({
          env: "JURIST_RETRY_MIN_PER_WINDOW",
          schema: nonNegativeInt,
          default: 10,
          doc: "retries always allowed per window, so a quiet gateway can still fail over",
        }),
      },
      ejection: {
        consecutiveFailures: setting({
          env: "JURIST_EJECTION_FAILURES",
          schema: positiveInt,
          default: 3,
          doc: "consecutive failed calls that eject a replica",
        }),
        baseMs: setting({
          env: "JURIST_EJECTION_BASE_MS",
          schema: positiveInt,
          default: 5_000,
          doc: "first ejection's length, ms; each further one doubles it",
        }),
        maxMs: setting({
          env: "JURIST_EJECTION_MAX_MS",
          schema: positiveInt,
          default: 120_000,
          doc: "longest ejection, ms",
        }),
      },
      hedge: {
        percentile: setting({
          env: "JURIST_HEDGE_PERCENTILE",
          schema: numberIn(0, 99.9),
          default: 0,
          doc: "send a second request to another replica after this percentile of recent latencies (e.g. `95`); `0` = off",
        }),
        minSamples: setting({
          env: "JURIST_HEDGE_MIN_SAMPLES",
          schema: intIn(1, 512),
          default: 50,
          doc: "recent call latencies needed before hedging starts (1–512, the latencies kept)",
        }),
        minDelayMs: setting({
          env: "JURIST_HEDGE_MIN_DELAY_MS",
          schema: nonNegativeInt,
          default: 50,
          doc: "never hedge sooner than this, ms",
        }),
      },
    },
  },
);
