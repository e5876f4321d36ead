import type { WorkClass } from "./types.ts";

/**
 * vLLM's per-request `priority` and what each release does with it: the one place the gateway,
 * `jurist doctor`, the simulator's vLLM mode and the tests take it from.
 *
 * The field: `priority: int = 0` on `ChatCompletionRequest` (vllm/entrypoints/openai/
 * protocol.py: "The priority of the request (lower means earlier handling; default: 0). Any
 * priority other than 0 will raise an error if the served model does not use priority
 * scheduling."). With `--scheduling-policy priority` the waiting queue is a heap ordered by
 * (priority, arrival time) (vllm/v1/core/sched/request_queue.py, `PriorityRequestQueue`).
 *
 * What a non-zero priority meets on a replica left at the default `--scheduling-policy fcfs`,
 * by release (the docstring's "will raise" is only true of the older engines):
 * - V0 engine (the default before 0.8.0): `add_request` in vllm/engine/llm_engine.py and
 *   async_llm_engine.py raises `ValueError("Got priority {p} but Priority scheduling is not
 *   enabled.")`; serving_chat.py turns a ValueError into a 400 BadRequestError.
 * - V1 engine before priority scheduling reached it (0.8.0 made V1 the default;
 *   vllm/v1/engine/processor.py as published for 0.9.0 has it): `process_inputs` raises
 *   `ValueError("V1 does not support priority yet.")` for any non-zero priority, so again a
 *   400. (On those releases `--scheduling-policy priority` falls back to the V0 engine, which
 *   honours it: `_is_v1_supported_oracle` in vllm/engine/arg_utils.py, "--scheduling-policy".)
 * - V1 with priority scheduling (vLLM PR #19057; 0.9.2 is taken as its first release from the
 *   PR's merge, not checked against the tag): the check is gone
 *   (processor.py, later input_processor.py, validate no priority) and `FCFSRequestQueue`
 *   ignores the field: a non-zero priority is accepted and silently has no effect.
 * So turning the field on against fcfs replicas fails every non-interactive call on older
 * releases and does nothing on newer ones. vLLM does not report its scheduling policy over
 * HTTP, so the gateway cannot tell: it is a setting, off by default, and `jurist doctor`
 * probes for the refusal.
 */

export const WORK_CLASSES: readonly WorkClass[] = [
  "interactive",
  "batch",
  "gate",
  "trainer",
  "shadow",
];

/**
 * The `priority` each work class sends (lower runs earlier). Interactive verdicts are 0, vLLM's
 * default, so they tie with any caller that sends none and are never refused by a replica
 * without priority scheduling. Reward and other batch work come next (an RLHF step waits on
 * them), then promotion-gate evaluations (a promotion waits on them), then the trainer's
 * synthesis and filtering (hours-long, not latency bound), and shadow verdicts last (only a
 * comparison, dropped first under load anyway). The gaps leave room for classes in between.
 */
export const VLLM_PRIORITY: Readonly<Record<WorkClass, number>> = {
  interactive: 0,
  batch: 10,
  gate: 20,
  trainer: 30,
  shadow: 40,
};

/** The release from which a non-zero priority on an fcfs replica is ignored, not refused. */
export const PRIORITY_IGNORED_ON_FCFS_SINCE = { major: 0, minor: 9, patch: 2 } as const;
/** The release from which V1 is the default engine (its refusal message differs from V0's). */
export const V1_DEFAULT_SINCE = { major: 0, minor: 8, patch: 0 } as const;

/** vLLM's refusal of a non-zero priority on an fcfs replica, as each engine words it. */
export function priorityRefusal(engine: "v0" | "v1", priority: number): string {
  return engine === "v0"
    ? `Got priority ${priority} but Priority scheduling is not enabled.`
    : "V1 does not support priority yet.";
}

/** Whether an engine's 400 message is one of vLLM's priority refusals. */
export function isPriorityRefusal(message: string): boolean {
  return (
    /Got priority -?\d+ but Priority scheduling is not enabled/.test(message) ||
    message.includes("V1 does not support priority yet")
  );
}
