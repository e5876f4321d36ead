import { EventEmitter } from "node:events";
import type {
  ChampionChange,
  ChampionEvent,
  ChampionSwap,
  CheckpointRecord,
  CheckpointRegistry,
} from "./checkpoint-registry.ts";
import { PROMOTE_LUA, ROLLBACK_LUA, SET_STATUS_LUA } from "./checkpoint-registry-lua.ts";
import {
  championStatusConflict,
  compareCheckpointRecords,
  HISTORY_LIMIT,
  toStoredCheckpointRecord,
  unknownCheckpoint,
} from "./checkpoint-registry-rules.ts";
import type { RedisClient, RedisConnection } from "./redis-client.ts";

export interface RedisCheckpointRegistryOptions {
  /**
   * The shared connections (the state role). Records live in the hash
   * `<keyPrefix>{registry}:checkpoints`, the champion id at `<keyPrefix>{registry}:champion`,
   * history in the list `<keyPrefix>{registry}:history`; events go to the channel
   * `<keyPrefix>registry:events`. The three keys share the hash tag `{registry}`, so the
   * scripts that touch all three run on one Redis Cluster slot.
   */
  client: RedisClient;
}

const KEYS = ["{registry}:checkpoints", "{registry}:champion", "{registry}:history"] as const;

type Keys = typeof KEYS;
type SwapArgs = [
  hasExpected: "0" | "1",
  expected: string,
  channel: string,
  at: number,
  cap: number,
];

interface RegistryCommands {
  juristRegistryPromote(...args: [...Keys, ...SwapArgs, id: string]): Promise<string>;
  juristRegistryRollback(...args: [...Keys, ...SwapArgs]): Promise<string>;
  juristRegistrySetStatus(
    ...args: [Keys[0], Keys[1], id: string, status: string, report: string, value: string]
  ): Promise<string>;
}

function withRegistryCommands(redis: RedisConnection): RedisConnection & RegistryCommands {
  redis.defineCommand("juristRegistryPromote", { numberOfKeys: 3, lua: PROMOTE_LUA });
  redis.defineCommand("juristRegistryRollback", { numberOfKeys: 3, lua: ROLLBACK_LUA });
  redis.defineCommand("juristRegistrySetStatus", { numberOfKeys: 2, lua: SET_STATUS_LUA });
  return redis as RedisConnection & RegistryCommands;
}

function parseEvent(message: string): ChampionEvent | null {
  try {
    const event = JSON.parse(message) as ChampionEvent;
    return typeof event.champion === "string" ? event : null;
  } catch {
    return null;
  }
}

/** The registry port plus `close()`, which releases what the adapter holds. */
export type RedisCheckpointRegistry = CheckpointRegistry & { close(): Promise<void> };

/**
 * The registry shared by every gateway. Promote and rollback are one Lua script each that
 * compare-and-sets the champion, updates both records, records history and publishes the
 * event, so no gateway ever sees half a promotion. `subscribe` opens one dedicated subscriber
 * connection on first use; it queues while Redis is away and ioredis re-subscribes after a
 * reconnect (events published during the outage are lost: re-read `champion()` on
 * reconnect if that matters). Calls other than `subscribe` reject at once while Redis is down.
 * Call `close()` to release the subscriber connection; a listener must not throw.
 */
export function createRedisCheckpointRegistry(
  options: RedisCheckpointRegistryOptions,
): RedisCheckpointRegistry {
  const redis = withRegistryCommands(options.client.commands);
  const channel = `${options.client.keyPrefix}registry:events`;
  const events = new EventEmitter();
  let subscriber: RedisConnection | null = null;

  function swapArgs(expected: string | null): SwapArgs {
    return [expected === null ? "0" : "1", expected ?? "", channel, Date.now(), HISTORY_LIMIT];
  }

  function subscribeChannel(connection: RedisConnection): void {
    connection.subscribe(channel).catch(() => {
      // SUBSCRIBE failed while Redis was away; ioredis restores only confirmed subscriptions.
      if (connection === subscriber) connection.once("ready", () => subscribeChannel(connection));
    });
  }

  function listen(): void {
    if (subscriber) return;
    const connection = options.client.subscriber();
    subscriber = connection;
    connection.on("message", (from: string, message: string) => {
      const event = from === channel ? parseEvent(message) : null;
      if (event) events.emit("change", event);
    });
    subscribeChannel(connection);
  }

  const registry: RedisCheckpointRegistry = {
    async register(record) {
      const stored = toStoredCheckpointRecord(record);
      await redis.hset(KEYS[0], stored.id, JSON.stringify(stored));
    },
    async get(id) {
      const json = await redis.hget(KEYS[0], id);
      return json ? (JSON.parse(json) as CheckpointRecord) : null;
    },
    async list() {
      const records = await redis.hvals(KEYS[0]);
      return records
        .map((json) => JSON.parse(json) as CheckpointRecord)
        .sort(compareCheckpointRecords);
    },
    champion: () => redis.get(KEYS[1]),
    async promote(id, expected) {
      const outcome = await redis.juristRegistryPromote(...KEYS, ...swapArgs(expected), id);
      return JSON.parse(outcome) as ChampionSwap;
    },
    async rollback(expected) {
      const outcome = await redis.juristRegistryRollback(...KEYS, ...swapArgs(expected));
      return JSON.parse(outcome) as ChampionSwap;
    },
    async history(limit = HISTORY_LIMIT) {
      const count = Math.floor(limit);
      if (count <= 0) return [];
      const changes = await redis.lrange(KEYS[2], 0, count - 1);
      return changes.map((json) => JSON.parse(json) as ChampionChange);
    },
    subscribe(listener) {
      listen();
      events.on("change", listener);
      return () => {
        events.off("change", listener);
      };
    },
    async setStatus(id, status, gateReport) {
      const report = gateReport === undefined ? "keep" : gateReport === null ? "null" : "set";
      const outcome = await redis.juristRegistrySetStatus(
        KEYS[0],
        KEYS[1],
        id,
        status,
        report,
        gateReport ?? "",
      );
      if (outcome === "unknown") throw unknownCheckpoint(id);
      if (outcome === "champion") throw championStatusConflict(id);
    },
    /** Closes the subscriber connection (if any) and drops every listener. */
    async close() {
      const connection = subscriber;
      subscriber = null;
      events.removeAllListeners();
      await connection?.quit().catch(() => connection.disconnect());
    },
  };
  return registry;
}
