import type { Values } from "./setting.ts";
import type { SettingsTree } from "./settings.ts";
import { HTTP_BODY_COST_PER_BYTE } from "./shedding-settings.ts";

type Parsed = Values<SettingsTree>;

/**
 * Problems no one setting shows: values each valid alone that together cannot work. Listed
 * with the settings' own problems, so the process refuses to start rather than serve a
 * configuration that fails some requests forever.
 */
export function crossSettingProblems(config: Parsed): string[] {
  const problems: string[] = [];
  const budget = config.shedding.inflightBytesBudget;
  const bodyLimit = config.http.bodyLimitBytes;
  // An HTTP body holds HTTP_BODY_COST_PER_BYTE times its size against the budget: below that,
  // a body within the limit can never be admitted, even alone, and gets 503 on every retry.
  const largestBody = bodyLimit * HTTP_BODY_COST_PER_BYTE;
  if (budget < largestBody) {
    problems.push(
      `JURIST_INFLIGHT_BYTES_BUDGET (${budget}) must be at least ${HTTP_BODY_COST_PER_BYTE}× ` +
        `JURIST_BODY_LIMIT_BYTES (${bodyLimit}), ${largestBody}: a body at the limit holds ` +
        `${HTTP_BODY_COST_PER_BYTE}× its size while it is parsed, so larger bodies than ` +
        `${Math.floor(budget / HTTP_BODY_COST_PER_BYTE)} bytes would be refused with 503 forever; ` +
        "raise the budget or lower the body limit",
    );
  }
  if (config.reward.policyTemplate === "custom" && config.reward.policyMarkers === undefined) {
    problems.push(
      "JURIST_REWARD_POLICY_TEMPLATE=custom needs JURIST_REWARD_POLICY_MARKERS: the markers " +
        "of the policy's chat template, as JSON (docs/reward-and-rlhf.md)",
    );
  }
  const redis = config.stores;
  if (config.redisUrl && redis.redisClusterNodes) {
    problems.push(
      "REDIS_URL and JURIST_REDIS_CLUSTER_NODES are both set: the state Redis is either one " +
        "server (the URL) or a Redis Cluster (the seed nodes); unset one",
    );
  }
  if (redis.cacheRedisUrl && redis.cacheRedisClusterNodes) {
    problems.push(
      "JURIST_CACHE_REDIS_URL and JURIST_CACHE_REDIS_CLUSTER_NODES are both set: the cache " +
        "Redis is either one server or a Redis Cluster; unset one",
    );
  }
  if ((redis.cacheRedisUrl || redis.cacheRedisClusterNodes) && !stateRedisSet(config)) {
    problems.push(
      "a cache Redis is set (JURIST_CACHE_REDIS_URL or JURIST_CACHE_REDIS_CLUSTER_NODES) but " +
        "no state Redis (REDIS_URL or JURIST_REDIS_CLUSTER_NODES): the gateways would share " +
        "verdicts but not keys, limits or the registry; set the state Redis too",
    );
  }
  return problems;
}

function stateRedisSet(config: Parsed): boolean {
  return Boolean(config.redisUrl || config.stores.redisClusterNodes);
}
