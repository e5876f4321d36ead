import type { Test } from "tap";
import type {
  ChampionEvent,
  CheckpointRecord,
  CheckpointRegistry,
} from "../../../src/store/checkpoint-registry.ts";
import { createRedisCheckpointRegistry } from "../../../src/store/redis-checkpoint-registry.ts";
import type { RedisClient } from "../../../src/store/redis-client.ts";
import { eventually } from "./eventually.ts";
import { connectRedis, type RedisAt, subscriberCount } from "./redis-fixtures.ts";

/** A candidate record; its uri has non-ASCII text and quotes the Lua scripts must keep intact. */
export function checkpoint(id: string, created = 1_700_000_000_000): CheckpointRecord {
  return {
    id,
    kind: "lora",
    baseModel: "judge-base",
    uri: `s3://checkpoints/${id}/ü ✓ "quoted"`,
    parent: null,
    created,
    status: "candidate",
    gateReport: null,
  };
}

/** Every event `registry` delivers, until the test ends. */
export function collect(t: Test, registry: CheckpointRegistry): ChampionEvent[] {
  const events: ChampionEvent[] = [];
  t.teardown(registry.subscribe((event) => events.push(event)));
  return events;
}

/** A Redis registry on its own client, closed when the test ends. */
export async function redisRegistry(t: Test, url: RedisAt, prefix: string) {
  const registry = createRedisCheckpointRegistry({ client: await connectRedis(t, url, prefix) });
  t.teardown(() => registry.close());
  return registry;
}

/** Waits until `count` connections are subscribed to `channel`; throws after 5 s. */
export async function whenSubscribed(raw: RedisClient, channel: string, count = 1): Promise<void> {
  if (!(await eventually(async () => (await subscriberCount(raw, channel)) >= count))) {
    throw new Error(`no subscriber on ${channel}`);
  }
}
