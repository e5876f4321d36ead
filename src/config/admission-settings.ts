import { bool, nonNegativeInt, probability } from "./kinds.ts";
import { area, setting } from "./setting.ts";

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
