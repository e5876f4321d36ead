import { z } from "zod";
import { bool, intIn, nonNegativeInt, numberIn, probability } from "./kinds.ts";
import { area, setting } from "./setting.ts";

/**
 * How a gateway learns how many gateways share the replicas: `auto` (heartbeats in the state
 * Redis when `REDIS_URL` is set, else alone), a fixed count, or the A/AAAA records of a DNS
 * name (a headless Service of the gateways).
 */
export type PeerDiscovery =
  | { kind: "auto" }
  | { kind: "static"; count: number }
  | { kind: "dns"; hostname: string };

const peerDiscovery = z.string().transform((value, context): PeerDiscovery => {
  const text = value.trim();
  if (text === "auto") return { kind: "auto" };
  if (/^[1-9]\d{0,5}$/.test(text)) return { kind: "static", count: Number(text) };
  const dns = /^dns:([A-Za-z0-9.-]+)$/.exec(text);
  if (dns) return { kind: "dns", hostname: dns[1]! };
  context.addIssue({
    code: "custom",
    message: `\`auto\`, a count (1–999999) or \`dns:<hostname>\`, not ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

export const admission = area(
  "Admission and priority",
  "How long a call waits for a free replica slot, and how interactive calls keep slots batch work may not take.",
  {
    engine: {
      admissionWaitMs: setting({
        env: "JURIST_ADMISSION_WAIT_MS",
        schema: nonNegativeInt,
        default: 250,
        doc: "how long a request waits for a free replica slot before `503 OVERLOADED`, ms",
      }),
      admissionMaxWaiters: setting({
        env: "JURIST_ADMISSION_MAX_WAITERS",
        schema: nonNegativeInt,
        default: 256,
        doc: "requests allowed to wait for a slot at once; more are shed at once",
      }),
      vllmPriority: setting({
        env: "JURIST_VLLM_PRIORITY",
        schema: bool,
        default: false,
        doc: "`true` sends vLLM's per-request `priority` by work class (interactive 0, batch 10, gate 20, trainer 30, shadow 40; lower runs first). Only for replicas started with `--scheduling-policy priority`: on `fcfs` the V0 engine and V1 before 0.9.2 refuse every non-zero one (400), V1 from 0.9.2 ignores it (docs/operations.md)",
      }),
      capacity: {
        maxNumSeqs: setting({
          env: "JURIST_REPLICA_MAX_NUM_SEQS",
          schema: intIn(1, 1_000_000),
          default: 256,
          doc: "the replicas' vLLM `--max-num-seqs`: requests one replica runs at once, shared by every gateway. vLLM reports it nowhere a gateway can read, so set it to what the replicas run; 256 is `vllm serve`'s default on most GPUs (1024 on ≥ 70 GiB ones but the A100, 128 on CPU) from `get_batch_defaults` in vllm/engine/arg_utils.py (0.12.0)",
        }),
        share: setting({
          env: "JURIST_REPLICA_CAPACITY_SHARE",
          schema: numberIn(0.01, 16),
          default: 1,
          doc: "share of each replica's `--max-num-seqs` the gateways admit together; each gateway keeps ⌊share × max-num-seqs ÷ gateways⌋ calls in flight per replica (at least 1). Above 1 lets calls wait in vLLM's own queue (docs/operations.md)",
        }),
      },
      peers: {
        discovery: setting({
          env: "JURIST_GATEWAY_PEERS",
          schema: peerDiscovery,
          default: { kind: "auto" },
          shownDefault: "`auto`",
          doc: "how a gateway counts the gateways sharing its replicas: `auto` → every gateway, and a standalone trainer or `jurist eval` on the same replicas, heartbeats into the state Redis (`REDIS_URL`) and counts the others alive, alone without Redis; a number → that many, fixed (count a standalone trainer in it); `dns:<hostname>` → the A/AAAA records of that name (a headless Service of the gateways). A failed count keeps the last known one",
        }),
        intervalMs: setting({
          env: "JURIST_GATEWAY_PEERS_INTERVAL_MS",
          schema: intIn(100, 600_000),
          default: 2_000,
          doc: "how often the gateways are counted (and this one heartbeats), ms; a gateway unheard of for 5 intervals is no longer counted",
        }),
      },
      priority: {
        enabled: setting({
          env: "JURIST_PRIORITY_CLASSES",
          schema: bool,
          default: true,
          doc: "`false` admits every call alike: one limit, one queue in arrival order (each class keeps its own wait)",
        }),
        interactiveReserve: setting({
          env: "JURIST_PRIORITY_INTERACTIVE_RESERVE",
          schema: probability,
          default: 0.25,
          doc: "share of each replica's slots batch calls leave free while interactive traffic is about",
        }),
        idleMs: setting({
          env: "JURIST_PRIORITY_IDLE_MS",
          schema: nonNegativeInt,
          default: 10_000,
          doc: "after this long with no interactive call, batch may use the reserve too, ms",
        }),
        batchAdmissionWaitMs: setting({
          env: "JURIST_BATCH_ADMISSION_WAIT_MS",
          schema: nonNegativeInt,
          default: 30_000,
          doc: "how long a batch-class call waits for a free replica slot before `503 OVERLOADED`, ms",
        }),
        batchAdmissionMaxWaiters: setting({
          env: "JURIST_BATCH_ADMISSION_MAX_WAITERS",
          schema: nonNegativeInt,
          default: 1_024,
          doc: "batch-class calls allowed to wait for a slot at once; more are shed at once",
        }),
      },
    },
  },
);
