import type { Replica } from "./fleet-types.ts";
import { parseQueueDepth } from "./vllm-metrics.ts";

/**
 * Refreshes one replica's snapshot from `/health`, `/v1/models` and `/metrics`. Never throws:
 * a replica that cannot be read is unhealthy, with the reason kept for /readyz. Returns whether
 * its health changed.
 */
export async function pollReplica(replica: Replica): Promise<boolean> {
  const wasHealthy = replica.healthy;
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
    replica.healthy = true;
    replica.lastError = null;
  } catch (error) {
    replica.healthy = false;
    replica.lastError = (error as Error).message;
  }
  replica.checkedAt = Date.now();
  return wasHealthy !== replica.healthy;
}
