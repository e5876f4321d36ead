import { z } from "zod";
import { bool, intIn, probability } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const sim = area(
  "Simulated replicas",
  "The in-process stand-ins for vLLM that `serve` starts when `JURIST_BACKENDS` is unset: their verdicts are SIMULATED, not a model's.",
  {
    sim: {
      replicas: setting({
        env: "JURIST_SIM_REPLICAS",
        schema: intIn(1, 16),
        default: 2,
        doc: "how many in-process simulated replicas when no backend is set (1–16)",
      }),
      seed: setting({
        env: "JURIST_SIM_SEED",
        schema: z.coerce.number().int(),
        default: 0,
        doc: "seed of the first simulated replica (the next get +1, +2, …)",
      }),
      accuracy: setting({
        env: "JURIST_SIM_ACCURACY",
        schema: probability,
        default: 0.8,
        doc: "probability the simulated judge names the truly better response when it does not lapse to the first slot (0–1)",
      }),
      positionBias: setting({
        env: "JURIST_SIM_POSITION_BIAS",
        schema: probability,
        default: 0.1,
        doc: "probability the simulated judge names the first slot whatever the content",
      }),
      latencyMs: setting({
        env: "JURIST_SIM_LATENCY_MS",
        schema: z.coerce.number().min(0),
        default: 20,
        doc: "mean simulated latency per completion, ms",
      }),
      allowed: setting({
        env: "JURIST_ALLOW_SIMULATED",
        schema: bool,
        default: true,
        doc: "`false` refuses to start on simulated replicas (a production guard)",
      }),
    },
  },
);
