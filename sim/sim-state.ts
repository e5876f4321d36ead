import { createRandom } from "../src/core/seeded-random.ts";
import type { ModelProfile } from "./chat-completion.ts";
import { createLoraRegistry } from "./lora-adapters.ts";
import { createRequestGate } from "./request-gate.ts";
import { createSimMetrics } from "./sim-metrics.ts";
import { parseSimOptions, type SimOptions } from "./sim-options.ts";
import { createStall } from "./stall.ts";
import { createPrefixCache } from "./vllm/prefix-cache.ts";
import { uniformSkills } from "./world/skills.ts";

/** Lognormal sigma of latency jitter. */
const LATENCY_SIGMA = 0.25;

/** What the server decides for one completion before generating it. */
export interface ServerDraw {
  /** Answer with HTTP 500 instead of a completion. */
  fail: boolean;
  /** How long to hold the slot before answering, ms. */
  latencyMs: number;
}

/**
 * Everything one simulated replica holds: options (patchable mid-test), loaded adapters,
 * metrics, the concurrency gate, the stall, and a request counter that seeds per-request
 * failures and latency so a retry of an identical request can succeed.
 */
export function createSimState(initial: Readonly<SimOptions>) {
  let options = initial;
  let counter = 0;
  const adapters = createLoraRegistry();
  const gate = createRequestGate(() => options.maxConcurrency);
  const stall = createStall();
  stall.set(options.stall);

  /** Problems `parseSimOptions` cannot see: they depend on how the replica was built or runs. */
  function checkPatch(patch: Partial<SimOptions>): void {
    if (patch.control !== undefined && patch.control !== options.control) {
      throw new Error("invalid simulated engine options: control is fixed when the app is built");
    }
    for (const fixed of ["vllmVersion", "runtimeLoraUpdating"] as const) {
      if (fixed in patch && patch[fixed] !== options[fixed]) {
        throw new Error(
          `invalid simulated engine options: ${fixed} is fixed when the app is built`,
        );
      }
    }
    if (patch.modelId !== undefined && adapters.get(patch.modelId)) {
      throw new Error(
        `invalid simulated engine options: modelId '${patch.modelId}' is a loaded LoRA adapter`,
      );
    }
  }

  /**
   * The profile of a served model name; undefined when this replica does not serve it. An
   * adapter with its own skills does not inherit the base model's per-category table: a
   * fine-tuned checkpoint's strengths are its own.
   */
  function profileFor(model: string | null | undefined): ModelProfile | undefined {
    const base = {
      params: {
        skills: { ...uniformSkills(options.accuracy), ...options.skillAccuracy },
        positionBias: options.positionBias,
        lengthBias: options.lengthBias,
        capacity: options.capacity,
      },
      categoryAccuracy: options.categoryAccuracy,
    };
    if (!model || model === options.modelId) return { id: options.modelId, ...base };
    const adapter = adapters.get(model);
    if (!adapter) return undefined;
    const inherited = adapter.skills === undefined ? base.categoryAccuracy : {};
    return {
      id: adapter.name,
      params: {
        skills: adapter.skills ?? base.params.skills,
        positionBias: adapter.positionBias ?? base.params.positionBias,
        lengthBias: adapter.lengthBias ?? base.params.lengthBias,
        // Fine-tuning never changes the base model's eyesight.
        capacity: base.params.capacity,
      },
      categoryAccuracy: adapter.categoryAccuracy ?? inherited,
    };
  }

  function nextDraw(): ServerDraw {
    const rng = createRandom(options.seed, "server", counter++);
    const fail = rng.chance(options.errorRate);
    const mu = Math.log(Math.max(options.latencyMs, 1e-9)) - LATENCY_SIGMA ** 2 / 2;
    const latencyMs = options.latencyMs > 0 ? Math.exp(mu + LATENCY_SIGMA * rng.normal()) : 0;
    return { fail, latencyMs };
  }

  return {
    options: () => options,
    /** Validates and applies a patch; throws listing every problem, leaving options as they were. */
    setOptions(patch: Partial<SimOptions>): void {
      checkPatch(patch);
      options = parseSimOptions({ ...options, ...patch });
      stall.set(options.stall);
      gate.admit();
    },
    profileFor,
    nextDraw,
    adapters,
    gate,
    stall,
    metrics: createSimMetrics(),
    prefixCache: createPrefixCache(),
    /** vLLM's `--enable-lora`: on in the lenient engine unless set, off in vLLM mode unless set. */
    loraEnabled: () => options.enableLora ?? options.vllmVersion === undefined,
  };
}

export type SimState = ReturnType<typeof createSimState>;
