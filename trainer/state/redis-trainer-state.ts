import type { RedisClient } from "../../src/store/redis-client.ts";
import {
  freshIteration,
  type IterationState,
  type TrainerStateStore,
  type WorkerStatus,
} from "./trainer-state.ts";

const KEYS = {
  iterations: "trainer:iterations",
  status: "trainer:status",
  lease: "trainer:lease",
} as const;

// Renew only our own lease, atomically (a GET then SET could overwrite a new holder's).
const RENEW_LEASE_LUA = `
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
end
return redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2])
`;
const RELEASE_LEASE_LUA = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0
`;

/**
 * The trainer's state in Redis: iteration states in one hash (field = iteration number),
 * the worker status as one JSON string, and the single-worker lease as a key with a TTL, so a
 * worker that dies loses it after `ttlMs` without anyone cleaning up.
 */
export function createRedisTrainerState(client: RedisClient): TrainerStateStore {
  const redis = client.commands;
  return {
    async iteration(n) {
      const raw = await redis.hget(KEYS.iterations, String(n));
      return raw ? (JSON.parse(raw) as IterationState) : freshIteration(n);
    },
    async saveIteration(state) {
      const next = { ...state, updatedAt: new Date().toISOString() };
      await redis.hset(KEYS.iterations, String(state.iteration), JSON.stringify(next));
    },
    async iterations() {
      return (await redis.hkeys(KEYS.iterations)).map(Number).sort((a, b) => a - b);
    },
    async status() {
      const raw = await redis.get(KEYS.status);
      return raw ? (JSON.parse(raw) as WorkerStatus) : null;
    },
    async saveStatus(status) {
      await redis.set(KEYS.status, JSON.stringify(status));
    },
    async acquireLease(owner, ttlMs) {
      const reply = await redis.eval(RENEW_LEASE_LUA, 1, KEYS.lease, owner, String(ttlMs));
      return reply === "OK";
    },
    async releaseLease(owner) {
      await redis.eval(RELEASE_LEASE_LUA, 1, KEYS.lease, owner);
    },
  };
}
