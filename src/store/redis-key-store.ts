import type { Redis } from "ioredis";
import type { KeyRecord, KeyStore, RevocationListener } from "./key-store.ts";
import type { RedisClient } from "./redis-client.ts";
import {
  compareKeyRecords,
  isKeyHash,
  keyConflict,
  toStoredKeyRecord,
} from "./stored-key-record.ts";

export interface RedisKeyStoreOptions {
  /**
   * The shared connections. Keys live at `<keyPrefix>keys:by-hash:<sha256>` (the record JSON)
   * and in the hash `<keyPrefix>keys:ids` (id → sha256). A revocation publishes the key's
   * sha256 on the channel `<keyPrefix>keys:revoked`.
   */
  client: RedisClient;
}

// KEYS[1] keys:ids, KEYS[2] keys:by-hash:<sha>; ARGV id, sha, record JSON.
const ADD = `
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 or redis.call("EXISTS", KEYS[2]) == 1 then
  return 0
end
redis.call("SET", KEYS[2], ARGV[3])
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1`;

// KEYS[1] keys:ids; ARGV id, full by-hash prefix (ioredis prefixes KEYS only, not keys built
// here), the revocation channel. Deleting and announcing in one script: no gateway can hear of
// a revocation that did not happen, nor miss one that did while its subscription stands.
const REVOKE = `
local sha = redis.call("HGET", KEYS[1], ARGV[1])
if not sha then return 0 end
redis.call("DEL", ARGV[2] .. sha)
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("PUBLISH", ARGV[3], sha)
return 1`;

// KEYS[1] keys:ids; ARGV full by-hash prefix. Returns every record JSON.
const LIST = `
local records = {}
for _, sha in ipairs(redis.call("HVALS", KEYS[1])) do
  local json = redis.call("GET", ARGV[1] .. sha)
  if json then records[#records + 1] = json end
end
return records`;

interface KeyCommands {
  juristKeyAdd(ids: string, byHash: string, id: string, sha: string, json: string): Promise<number>;
  juristKeyRevoke(ids: string, id: string, byHashPrefix: string, channel: string): Promise<number>;
  juristKeyList(ids: string, byHashPrefix: string): Promise<string[]>;
}

function withKeyCommands(redis: Redis): Redis & KeyCommands {
  redis.defineCommand("juristKeyAdd", { numberOfKeys: 2, lua: ADD });
  redis.defineCommand("juristKeyRevoke", { numberOfKeys: 1, lua: REVOKE });
  redis.defineCommand("juristKeyList", { numberOfKeys: 1, lua: LIST, readOnly: true });
  return redis as Redis & KeyCommands;
}

/**
 * The API key store shared by every gateway: one command or one Lua script per call, so a
 * key and its id index never disagree. Calls reject at once while Redis is down.
 *
 * `onRevoked` opens one subscriber connection on first use. ioredis re-subscribes after a
 * reconnect, but what was published meanwhile is lost: each reconnect after the first is
 * reported as `null` ("forget every key"), so the only window left is a message lost while
 * the connection still looked up, which the caller's cache TTL bounds.
 */
export function createRedisKeyStore(options: RedisKeyStoreOptions): KeyStore {
  const redis = withKeyCommands(options.client.commands);
  const byHashPrefix = `${options.client.keyPrefix}keys:by-hash:`;
  // Channels are not prefixed by ioredis: the prefix is spelled out, as for the registry's.
  const channel = `${options.client.keyPrefix}keys:revoked`;
  const listeners = new Set<RevocationListener>();
  let subscribed = false;

  function notify(hash: string | null): void {
    for (const listener of listeners) listener(hash);
  }

  function subscribe(connection: Redis): void {
    connection.subscribe(channel).catch(() => {
      // SUBSCRIBE failed while Redis was away; ioredis restores only confirmed subscriptions.
      connection.once("ready", () => subscribe(connection));
    });
  }

  function listen(): void {
    if (subscribed) return;
    subscribed = true;
    const connection = options.client.subscriber();
    let connectedBefore = false;
    connection.on("ready", () => {
      if (connectedBefore) notify(null);
      connectedBefore = true;
    });
    connection.on("message", (from: string, hash: string) => {
      if (from === channel && isKeyHash(hash)) notify(hash);
    });
    subscribe(connection);
  }

  return {
    async add(record) {
      const stored = toStoredKeyRecord(record);
      const key = `keys:by-hash:${stored.hash}`;
      const json = JSON.stringify(stored);
      const added = await redis.juristKeyAdd("keys:ids", key, stored.id, stored.hash, json);
      if (added !== 1) throw keyConflict(stored.id);
    },
    async findByHash(hash) {
      if (!isKeyHash(hash)) return null;
      const json = await redis.get(`keys:by-hash:${hash}`);
      return json ? (JSON.parse(json) as KeyRecord) : null;
    },
    async list() {
      const records = await redis.juristKeyList("keys:ids", byHashPrefix);
      return records.map((json) => JSON.parse(json) as KeyRecord).sort(compareKeyRecords);
    },
    async revoke(id) {
      return (await redis.juristKeyRevoke("keys:ids", id, byHashPrefix, channel)) === 1;
    },
    async hasAny() {
      return (await redis.hlen("keys:ids")) > 0;
    },
    onRevoked(listener) {
      listen();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
