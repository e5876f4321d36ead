import type { KeyRecord, KeyStore, RevocationListener } from "./key-store.ts";
import { onResubscribed, type RedisClient, type RedisConnection } from "./redis-client.ts";
import {
  compareKeyRecords,
  isKeyHash,
  keyConflict,
  toStoredKeyRecord,
} from "./stored-key-record.ts";

export interface RedisKeyStoreOptions {
  /**
   * The shared connections (the state role). Keys live at `<keyPrefix>{keys}:by-hash:<sha256>`
   * (the record JSON) and in the hash `<keyPrefix>{keys}:ids` (id → sha256). A revocation
   * publishes the key's sha256 on the channel `<keyPrefix>keys:revoked`. All keys share the
   * hash tag `{keys}`: a script that touches a record and the index runs on one Cluster slot
   * (a few thousand small records: one node holds them easily).
   */
  client: RedisClient;
}

const IDS = "{keys}:ids";
const byHash = (sha: string) => `{keys}:by-hash:${sha}`;

// KEYS[1] ids, KEYS[2] by-hash:<sha>; ARGV id, sha, record JSON.
const ADD = `
if redis.call("HEXISTS", KEYS[1], ARGV[1]) == 1 or redis.call("EXISTS", KEYS[2]) == 1 then
  return 0
end
redis.call("SET", KEYS[2], ARGV[3])
redis.call("HSET", KEYS[1], ARGV[1], ARGV[2])
return 1`;

// KEYS[1] ids, KEYS[2] by-hash:<sha> as read before the call; ARGV id, sha, the revocation
// channel. Every key is declared (a Cluster routes and checks only KEYS), so the caller reads
// the sha first and the script refuses (-1) if the id points elsewhere by now. Deleting and
// announcing in one script: no gateway can hear of a revocation that did not happen, nor miss
// one that did while its subscription stands.
const REVOKE = `
local sha = redis.call("HGET", KEYS[1], ARGV[1])
if not sha then return 0 end
if sha ~= ARGV[2] then return -1 end
redis.call("DEL", KEYS[2])
redis.call("HDEL", KEYS[1], ARGV[1])
redis.call("PUBLISH", ARGV[3], sha)
return 1`;

interface KeyCommands {
  juristKeyAdd(ids: string, byHash: string, id: string, sha: string, json: string): Promise<number>;
  juristKeyRevoke(
    ids: string,
    byHash: string,
    id: string,
    sha: string,
    channel: string,
  ): Promise<number>;
}

function withKeyCommands(redis: RedisConnection): RedisConnection & KeyCommands {
  redis.defineCommand("juristKeyAdd", { numberOfKeys: 2, lua: ADD });
  redis.defineCommand("juristKeyRevoke", { numberOfKeys: 2, lua: REVOKE });
  return redis as RedisConnection & KeyCommands;
}

/**
 * The API key store shared by every gateway: one command or one Lua script per call, so a
 * key and its id index never disagree. Calls reject at once while Redis is down.
 *
 * `onRevoked` opens one subscriber connection on first use. ioredis re-subscribes after a
 * reconnect (on a Cluster, on another node when the subscribed one fails), but what was
 * published meanwhile is lost: each reconnect after the first is reported as `null` ("forget
 * every key"; `onResubscribed`), so the only window left is a message lost while
 * the connection still looked up, which the caller's cache TTL bounds.
 */
export function createRedisKeyStore(options: RedisKeyStoreOptions): KeyStore {
  const redis = withKeyCommands(options.client.commands);
  // Channels are not prefixed by ioredis: the prefix is spelled out, as for the registry's.
  const channel = `${options.client.keyPrefix}keys:revoked`;
  const listeners = new Set<RevocationListener>();
  let subscribed = false;

  function notify(hash: string | null): void {
    for (const listener of listeners) listener(hash);
  }

  function subscribe(connection: RedisConnection): void {
    connection.subscribe(channel).catch(() => {
      // SUBSCRIBE failed while Redis was away; ioredis restores only confirmed subscriptions.
      connection.once("ready", () => subscribe(connection));
    });
  }

  function listen(): void {
    if (subscribed) return;
    subscribed = true;
    const connection = options.client.subscriber();
    // On a Cluster too: there a failed subscriber node is replaced without a `ready`.
    onResubscribed(connection, () => notify(null));
    connection.on("message", (from: string, hash: string) => {
      if (from === channel && isKeyHash(hash)) notify(hash);
    });
    subscribe(connection);
  }

  return {
    async add(record) {
      const stored = toStoredKeyRecord(record);
      const json = JSON.stringify(stored);
      const added = await redis.juristKeyAdd(
        IDS,
        byHash(stored.hash),
        stored.id,
        stored.hash,
        json,
      );
      if (added !== 1) throw keyConflict(stored.id);
    },
    async findByHash(hash) {
      if (!isKeyHash(hash)) return null;
      const json = await redis.get(byHash(hash));
      return json ? (JSON.parse(json) as KeyRecord) : null;
    },
    async list() {
      // Two reads, not one script: a key added or revoked between them is listed as it was
      // before or after, never half. MGET stays on one slot (every key is tagged `{keys}`).
      const hashes = await redis.hvals(IDS);
      if (hashes.length === 0) return [];
      const records = await redis.mget(hashes.map(byHash));
      return records
        .filter((json): json is string => json !== null)
        .map((json) => JSON.parse(json) as KeyRecord)
        .sort(compareKeyRecords);
    },
    async revoke(id) {
      // The sha is read first so the script can declare the record's key; a concurrent
      // revoke-and-re-add of the same id (-1) is read again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const sha = await redis.hget(IDS, id);
        if (!sha) return false;
        const outcome = await redis.juristKeyRevoke(IDS, byHash(sha), id, sha, channel);
        if (outcome !== -1) return outcome === 1;
      }
      throw new Error(`key ${id} changed while it was being revoked; try again`);
    },
    async hasAny() {
      return (await redis.hlen(IDS)) > 0;
    },
    onRevoked(listener) {
      listen();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
