import {
  PRIORITY_IGNORED_ON_FCFS_SINCE,
  priorityRefusal,
  V1_DEFAULT_SINCE,
} from "../../src/core/vllm-priority.ts";
import { parseVllmRelease, releaseAtLeast } from "../../src/core/vllm-release.ts";

/**
 * What a replica does with a request's `priority` (vLLM's rules, with their sources, are in
 * src/core/vllm-priority.ts): the place it takes in the waiting queue, or vLLM's 400.
 * - `--scheduling-policy priority`: waiting requests go by (priority, arrival), lower first
 *   (vllm/v1/core/sched/request_queue.py, `PriorityRequestQueue`; V0's scheduler sorts alike).
 * - `fcfs` (the default), a non-zero priority: the V0 engine refuses it ("Got priority … but
 *   Priority scheduling is not enabled.", vllm/engine/llm_engine.py `add_request`), V1 before
 *   0.9.2 refuses any ("V1 does not support priority yet.", vllm/v1/engine/processor.py), V1
 *   from 0.9.2 accepts and ignores it (`FCFSRequestQueue` appends in arrival order).
 * The lenient engine (no release) refuses nothing and honours the policy it was given.
 */
export type PriorityOutcome =
  | { kind: "queue"; place: number }
  | { kind: "refuse"; message: string };

export interface PriorityOptions {
  schedulingPolicy: "fcfs" | "priority";
  vllmVersion?: string | undefined;
  vllmUseV1?: boolean | undefined;
}

export function requestPriority(
  priority: number | null | undefined,
  options: PriorityOptions,
): PriorityOutcome {
  const asked = priority ?? 0;
  if (options.schedulingPolicy === "priority") return { kind: "queue", place: asked };
  if (asked !== 0 && options.vllmVersion !== undefined) {
    const release = parseVllmRelease(options.vllmVersion);
    if (release) {
      const v1 = options.vllmUseV1 ?? releaseAtLeast(release, V1_DEFAULT_SINCE);
      if (!v1) return { kind: "refuse", message: priorityRefusal("v0", asked) };
      if (!releaseAtLeast(release, PRIORITY_IGNORED_ON_FCFS_SINCE)) {
        return { kind: "refuse", message: priorityRefusal("v1", asked) };
      }
    }
  }
  return { kind: "queue", place: 0 };
}
