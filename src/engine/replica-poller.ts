import type { Replica } from "./fleet-types.ts";
import { parseQueueDepth } from "./vllm-metrics.ts";
import { choiceFieldFor, parseVllmVersion, type StructuredOutputSetting } from "./vllm-version.ts";

/** What a poll learnt besides health. */
export interface PollResult {
  /** Whether the replica's health changed. */
  healthChanged: boolean;
  /** True when `/version` was read this poll (the replica joined or came back). */
  versionRead: boolean;
}

/**
 * Refreshes one replica's snapshot from `/health`, `/v1/models` and `/metrics`. Never throws:
 * a replica that cannot be read is unhealthy, with the reason kept for /readyz. A replica
 * that joins or comes back has its `/version` read (it may have been upgraded) before it is
 * healthy again, so no call goes out with a field its release does not have.
 */
export async function pollReplica(
  replica: Replica,
  choiceSetting: StructuredOutputSetting,
): Promise<PollResult> {
  const wasHealthy = replica.healthy;
  let versionRead = false;
  try {
    if (!(await replica.client.health())) throw new Error("/health did not answer 200");
    const served = await replica.client.models();
    const metrics = await replica.client.metrics();
    replica.servedModels = served;
    replica.models = served.map((model) => model.id);
    if (metrics) {
      const depth = parseQueueDepth(metrics);
      replica.running = depth.running;
      replica.waiting = depth.waiting;
    }
    if (!wasHealthy) {
      learnVersion(replica, await replica.client.version(), choiceSetting);
      versionRead = true;
    }
    replica.healthy = true;
    replica.lastError = null;
  } catch (error) {
    replica.healthy = false;
    replica.lastError = (error as Error).message;
  }
  replica.checkedAt = Date.now();
  return { healthChanged: wasHealthy !== replica.healthy, versionRead };
}

/**
 * Sets the version and the choice field it calls for. A report of unconstrained answers is
 * kept only while the version and field stay what they were: a changed replica starts clean.
 */
function learnVersion(
  replica: Replica,
  version: string | null,
  choiceSetting: StructuredOutputSetting,
): void {
  const field = choiceFieldFor(choiceSetting, parseVllmVersion(version));
  if (version !== replica.version || field !== replica.choiceField) replica.unconstrained = null;
  replica.version = version;
  replica.choiceField = field;
}
