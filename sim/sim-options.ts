import { z } from "zod";
import { categoryAccuracyProblem } from "./sim-bench-category.ts";
import { DEFAULT_WORLD_KEY } from "./world/scene.ts";
import { JUDGE_SKILLS } from "./world/skills.ts";
import { GENERATOR_NOISE } from "./world/world-params.ts";

const probability = z.number().min(0).max(1);

/** Known category keys only: a misspelt category would otherwise silently change nothing. */
const categoryAccuracy = z.record(z.string(), probability).superRefine((table, ctx) => {
  const problem = categoryAccuracyProblem(table);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** Per-skill probabilities; any subset of the judge's skills. */
const skillTable = z.partialRecord(z.enum(JUDGE_SKILLS), probability);

/**
 * Options of one simulated replica. Every field has a default; `parseSimOptions` validates
 * them once and fails listing every problem.
 */
export const simOptionsSchema = z.strictObject({
  /** Seeds every outcome of this replica; replicas with different seeds disagree. */
  seed: z.number().int().default(0),
  /** Key of the world's scenes and chances; replicas must share it to agree on the truth. */
  worldKey: z.string().min(1).default(DEFAULT_WORLD_KEY),
  /** The base model id. Must contain "sim" so it is never taken for a real judge. */
  modelId: z
    .string()
    .min(1)
    .refine((id) => id.toLowerCase().includes("sim"), {
      message: 'must contain "sim" so a simulated model is never taken for a real one',
    })
    .default("jurist-sim-judge"),
  /**
   * P(the judge names the better slot) on a pair differing in one claim, when it is not
   * lapsing to slot A, for every skill `skillAccuracy` does not name. Over a balanced set the
   * observed accuracy is positionBias / 2 + (1 - positionBias) · accuracy.
   */
  accuracy: probability.default(0.8),
  /** The judge's accuracy per skill (counting, attributes, …), overriding `accuracy`. */
  skillAccuracy: skillTable.default({}),
  /**
   * The base model's eyesight per skill, in [0, 1]: the most of each skill any checkpoint of
   * it can use (see `JudgeParams.capacity`); unnamed skills have 1.
   */
  capacity: skillTable.default({}),
  /** Logit toward slot A per 10 words it is longer than B; 0 = no length bias. */
  lengthBias: z.number().min(-10).max(10).default(0),
  /** P(the judge names slot A whatever the content): accuracy(better in A) − accuracy(better in B). */
  positionBias: probability.default(0.1),
  /**
   * The base model's accuracy per simulated benchmark category, overriding `accuracy` on
   * those items (see `JudgeProfile.categoryAccuracy`); empty by default.
   */
  categoryAccuracy: categoryAccuracy.default({}),
  /**
   * P(a closed-question sample gives the gold answer), the same for every skill; unset, the
   * generator has the per-skill accuracies of its noise level.
   */
  generatorAccuracy: probability.optional(),
  /** The generator's noise level: `low` as published for an ~11B VLM, `high` noisier. */
  generatorNoise: z
    .enum(Object.keys(GENERATOR_NOISE) as [keyof typeof GENERATOR_NOISE])
    .default("low"),
  /** P(a reasoned verdict has no verdict marker at all). Constrained choices are always valid. */
  invalidRate: probability.default(0),
  /** Mean completion latency in ms (lognormal jitter, sigma 0.25); 0 answers at once. */
  latencyMs: z.number().min(0).max(600_000).default(0),
  /** Fraction of completions answered with HTTP 500; drawn per request, so retries can pass. */
  errorRate: probability.default(0),
  /** vLLM's max_num_seqs: completions beyond it wait (reported as waiting in /metrics). */
  maxConcurrency: z.number().int().min(1).max(100_000).default(64),
  /**
   * False makes `GET /health` answer 503 while everything else keeps working, like a vLLM
   * whose health check fails.
   */
  healthy: z.boolean().default(true),
  /**
   * True hangs completions like a stuck GPU: they are accepted and hold their slot but get no
   * answer until the stall is lifted, the client goes away or the server closes (which drops
   * their connections).
   */
  stall: z.boolean().default(false),
  /**
   * Registers `GET`/`POST /control` to read and change these options over HTTP. Fixed when
   * the app is built: `setOptions` refuses to change it.
   */
  control: z.boolean().default(false),
  /**
   * vLLM mode (`jurist sim --vllm-version X`): answer as that vLLM release does wherever the
   * gateway can tell (sim/vllm/, sim/vllm-choice.ts). Unset: today's lenient engine, and `/version` answers a
   * string that is not a release.
   */
  vllmVersion: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, "must be a release number such as 0.11.0")
    .optional(),
  /** vLLM's `--api-key`: every `/v1/*` request needs `Authorization: Bearer <key>`. */
  apiKey: z.string().min(1).optional(),
  /**
   * vLLM's `--max-model-len`: prompts (images counted by pixels in vLLM mode) longer than this
   * are refused with vLLM's 400. Unset: nothing is refused and `/v1/models` says 8192.
   */
  maxModelLen: z.number().int().min(16).max(10_000_000).optional(),
  /** vLLM's `--enable-lora`. Unset: on in the lenient engine, off in vLLM mode (vLLM's default). */
  enableLora: z.boolean().optional(),
  /**
   * vLLM's `VLLM_ALLOW_RUNTIME_LORA_UPDATING`: registers `/v1/load_lora_adapter` and
   * `/v1/unload_lora_adapter`. Unset: on in the lenient engine, off in vLLM mode. Fixed when
   * the app is built, as vLLM registers the routes at start-up.
   */
  runtimeLoraUpdating: z.boolean().optional(),
  /**
   * vLLM's `--max-logprobs` (default 20): a request asking more `top_logprobs` is refused with
   * vLLM's 400 (`_validate_logprobs` in vllm/v1/engine/processor.py).
   */
  maxLogprobs: z.number().int().min(0).max(1_000).default(20),
  /**
   * vLLM's `--scheduling-policy`: `priority` lets waiting requests go by their `priority`
   * (lower first, then arrival), `fcfs` (vLLM's default) by arrival alone; in vLLM mode a
   * non-zero priority on `fcfs` is refused or ignored as the release does
   * (sim/vllm/request-priority.ts).
   */
  schedulingPolicy: z.enum(["fcfs", "priority"]).default("fcfs"),
  /**
   * vLLM's `VLLM_USE_V1`, which decides how an fcfs replica words its priority refusal. Unset:
   * the release's default engine (V0 before 0.8.0, V1 from it). `false` is only for releases
   * before 0.11.0, which removed V0 (the Llama-3.2-Vision recipe runs 0.10.2 with it).
   */
  vllmUseV1: z.boolean().optional(),
  /** vLLM's `--enable-prompt-tokens-details`: report `usage.prompt_tokens_details.cached_tokens`. */
  enablePromptTokensDetails: z.boolean().default(false),
  /** The EOS text vLLM mode appends to the logprob tokens (Qwen2.5-VL's by default). */
  eosText: z.string().min(1).default("<|im_end|>"),
});

/** Validated options, every field present. */
export type SimOptions = z.output<typeof simOptionsSchema>;

/** Options as callers give them: every field optional. */
export type SimOptionsInput = z.input<typeof simOptionsSchema>;

/** Validates options; throws an Error whose message lists every problem. */
export function parseSimOptions(input: unknown): Readonly<SimOptions> {
  const result = simOptionsSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new Error(`invalid simulated engine options:\n${z.prettifyError(result.error)}`);
  }
  return Object.freeze(result.data);
}
