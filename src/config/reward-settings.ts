import { z } from "zod";
import { intIn } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const reward = area(
  "Reward model API",
  "`/v1/reward`, OpenRLHF's `/get_reward` and the gRPC `Reward` call: both orders of every pair, in the batch priority class by default.",
  {
    reward: {
      concurrency: setting({
        env: "JURIST_REWARD_CONCURRENCY",
        schema: intIn(1, 256),
        default: 16,
        doc: "pairs of one reward request judged at once (1–256; each pair is two engine calls)",
      }),
      defaultMode: setting({
        env: "JURIST_REWARD_MODE",
        schema: z.enum(["reasoned", "fast"]),
        default: "reasoned",
        doc: "judge mode of `/v1/reward` requests that name none, and of every `/get_reward` item",
      }),
    },
  },
);
