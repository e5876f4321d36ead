import {
  isPriorityRefusal,
  PRIORITY_IGNORED_ON_FCFS_SINCE,
  VLLM_PRIORITY,
} from "../core/vllm-priority.ts";
import { parseVllmRelease, releaseAtLeast } from "../core/vllm-release.ts";
import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";
import { fastVerdictBody } from "./probe-requests.ts";
import { errorMessage } from "./replica-http.ts";

/** The largest priority the gateway sends: the one a replica without priority scheduling refuses. */
const PROBE_PRIORITY = Math.max(...Object.values(VLLM_PRIORITY));

const FIX =
  "start vLLM with --scheduling-policy priority, or set JURIST_VLLM_PRIORITY=false (calls then carry no priority)";

/**
 * With JURIST_VLLM_PRIORITY on, a fast verdict carrying the largest priority the gateway sends.
 * An fcfs replica on the V0 engine, or V1 before 0.9.2, refuses it with a 400 (which would fail
 * every non-interactive call: src/core/vllm-priority.ts); so an acceptance there proves priority
 * scheduling. From 0.9.2 an fcfs replica accepts and ignores it, which no answer tells apart:
 * a warning names the flag to check.
 */
export const priorityCheck: DoctorCheck = {
  name: "priority",
  needs: ["model", "field", "logprobs"],
  async run({ http, settings, facts }) {
    if (!settings.vllmPriority) {
      return ok("JURIST_VLLM_PRIORITY is off: calls carry no priority (first come, first served)");
    }
    const body = {
      ...fastVerdictBody(facts.model!, facts.field!, settings.topLogprobs),
      priority: PROBE_PRIORITY,
    };
    const answer = await http.post("/v1/chat/completions", body);
    if (answer.status === 400 && isPriorityRefusal(errorMessage(answer))) {
      return fail(
        `priority ${PROBE_PRIORITY} refused: ${errorMessage(answer)} (the replica schedules first come, first served)`,
        FIX,
      );
    }
    if (answer.status !== 200) {
      return fail(`answered ${answer.status}: ${errorMessage(answer)}`, "read the replica's log");
    }
    const release = parseVllmRelease(facts.version);
    if (release && !releaseAtLeast(release, PRIORITY_IGNORED_ON_FCFS_SINCE)) {
      return ok(`priority ${PROBE_PRIORITY} accepted: priority scheduling is on`);
    }
    return warn(
      `priority ${PROBE_PRIORITY} accepted, but vLLM ${facts.version ?? "(unknown version)"} accepts it under fcfs too, where it has no effect`,
      "check that the replica runs with --scheduling-policy priority",
    );
  },
};
