import { z } from "zod";
import { intIn, numberIn, positiveInt } from "./kinds.ts";
import { area, setting } from "./setting.ts";

export const judge = area(
  "Judging",
  "Which checkpoint judges and how each of the two orders is asked of it.",
  {
    judge: {
      champion: setting({
        env: "JURIST_CHAMPION",
        schema: z.string().min(1),
        doc: "champion checkpoint id; unset → the base model the first healthy replica serves",
      }),
      tieMargin: setting({
        env: "JURIST_TIE_MARGIN",
        schema: numberIn(0, 0.5),
        default: 0.1,
        doc: "disagreeing orders within this of 0.5 make a `tie` (0–0.5)",
      }),
      temperature: setting({
        env: "JURIST_JUDGE_TEMPERATURE",
        schema: numberIn(0, 2),
        default: 0,
        doc: "sampling temperature of the first attempt (0–2)",
      }),
      retryTemperature: setting({
        env: "JURIST_RETRY_TEMPERATURE",
        schema: numberIn(0, 2),
        default: 0.7,
        doc: "temperature of the one retry of an unreadable order (0–2)",
      }),
      maxTokens: setting({
        env: "JURIST_JUDGE_MAX_TOKENS",
        schema: positiveInt,
        default: 1024,
        doc: "token budget of a reasoned verdict",
      }),
      topLogprobs: setting({
        env: "JURIST_TOP_LOGPROBS",
        schema: intIn(5, 20),
        default: 5,
        doc: "alternatives per token asked of vLLM (5–20)",
      }),
      batchConcurrency: setting({
        env: "JURIST_BATCH_CONCURRENCY",
        schema: intIn(1, 256),
        default: 8,
        doc: "items of one `/v1/judge/batch` request judged at once (1–256)",
      }),
    },
  },
);
