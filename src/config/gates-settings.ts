import { z } from "zod";
import { BENCHMARK_FORMATS, type BenchmarkFormat } from "./benchmark-formats.ts";
import { DEFAULT_GATES, type Gate, gatesSetting } from "./gate-policy.ts";
import { bool, csv, intIn, nonNegativeInt, positiveInt } from "./kinds.ts";
import { area, derived, setting } from "./setting.ts";

const formatList = `${BENCHMARK_FORMATS.slice(0, -1).join(", ")} or ${BENCHMARK_FORMATS.at(-1)}`;

/** `name=format:path`, comma-separated. */
const benchmarkFiles = csv
  .pipe(
    z.array(
      z
        .string()
        .regex(
          new RegExp(`^[a-z0-9_-]+=(${BENCHMARK_FORMATS.join("|")}):.+$`),
          `expected name=format:path with format ${formatList}`,
        ),
    ),
  )
  .transform((entries) =>
    entries.map((entry) => {
      const [name, rest] = [
        entry.slice(0, entry.indexOf("=")),
        entry.slice(entry.indexOf("=") + 1),
      ];
      const format = rest.slice(0, rest.indexOf(":")) as BenchmarkFormat;
      return { name, format, path: rest.slice(rest.indexOf(":") + 1) };
    }),
  );

const policy = setting({
  env: "JURIST_GATES",
  schema: gatesSetting,
  map: (gates) => (gates ?? DEFAULT_GATES) as Gate[],
  shownDefault: DEFAULT_GATES.map((gate) => `\`${gate.name}\``).join(", "),
  doc: "the promotion policy, a JSON array of gates (an array in a JURIST_CONFIG file); every gate must pass; the default: VLRB macro accuracy improves, no MMRB category drops more than 2 points, held-out consistency holds",
});

export const gates = area(
  "Evaluation, gates and promotion",
  "The benchmarks a candidate checkpoint is judged on, the gates it must pass, and how it is promoted.",
  {
    benchmarks: setting({
      env: "JURIST_BENCHMARKS",
      schema: benchmarkFiles,
      default: [],
      doc: `benchmark files, \`name=format:path\` comma-separated (format ${formatList}): the contamination guard drops training prompts matching their items, and the gates evaluate on them`,
    }),
    gates: {
      policy,
      /** Whether the policy was configured (false: the defaults). */
      configured: derived(policy, (gates) => gates !== undefined),
      concurrency: setting({
        env: "JURIST_GATE_CONCURRENCY",
        schema: intIn(1, 256),
        default: 8,
        doc: "benchmark items judged at once per checkpoint (1–256)",
      }),
      unparseable: setting({
        env: "JURIST_GATE_UNPARSEABLE",
        schema: z.enum(["wrong", "exclude", "random"]),
        default: "wrong",
        doc: "what an order whose verdict cannot be read scores: `wrong` 0, `exclude` not counted (VLRB's scorer), `random` a seeded coin flip (MMRB's protocol)",
      }),
      bootstrapResamples: setting({
        env: "JURIST_GATE_BOOTSTRAP_RESAMPLES",
        schema: intIn(100, 100_000),
        default: 2_000,
        doc: "resamples of the paired, category-stratified bootstrap behind a gate's confidence interval (100–100000)",
      }),
      autoPromote: setting({
        env: "JURIST_AUTO_PROMOTE",
        schema: bool,
        default: true,
        doc: "the trainer promotes a candidate that passes every gate (`false`: it only reports)",
      }),
      loadTimeoutMs: setting({
        env: "JURIST_PROMOTION_LOAD_TIMEOUT_MS",
        schema: positiveInt,
        default: 60_000,
        doc: "how long replicas may take to load and list a candidate before promotion gives up, ms",
      }),
      promotionQuorum: setting({
        env: "JURIST_PROMOTION_QUORUM",
        schema: z.coerce.number().gt(0).max(1),
        default: 0.9,
        doc: "the share of healthy replicas (0 < q ≤ 1, rounded up, at least one) that must list a candidate before promotion switches to it; replicas that are down never block it and the reconcile loop loads them when they return; healthy ones that cannot load it count against the quorum and are reported; `1` = every replica, down ones included (the behaviour before quorums)",
      }),
      reconcileIntervalMs: setting({
        env: "JURIST_RECONCILE_INTERVAL_MS",
        schema: nonNegativeInt,
        default: 15_000,
        doc: "how often a gateway loads the champion's LoRA adapter on healthy replicas that do not list it (a promotion at quorum switched without them, or a vLLM restart lost it), ms; `0` = off",
      }),
    },
  },
);
