import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { loadConfig } from "../config/config.ts";
import { stateRedisTarget } from "./create-stores.ts";
import { createRedisClient } from "./redis-client.ts";
import {
  applyUpgrade,
  type KeyMove,
  liveJuristProcesses,
  planUpgrade,
} from "./redis-key-upgrade.ts";
import type { Takeover } from "./redis-upgrade-takeovers.ts";

export const REDIS_USAGE = `usage: jurist redis upgrade [--dry-run] [--force]
  upgrade  renames the state keys of versions before the Cluster hash tags (registry:*,
           keys:*, prompts, dedup:*) to their tagged names under JURIST_REDIS_PREFIX, on the
           state Redis (REDIS_URL). Run it with every gateway and the trainer stopped;
           --force runs it while Jurist processes still use this Redis. --dry-run only says
           what it would move. Running it again does nothing.`;

class Refusal extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** How a move that replaced or merged a tagged key is reported. */
const TAKEOVER_NOTES: Record<Takeover, string> = {
  "replace-bootstrapped-registry":
    "replacing the registry an upgraded gateway bootstrapped with the base model",
  "merge-young-stream":
    "with the prompts an upgraded gateway collected under the new name appended",
};

const out = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `jurist redis upgrade`: moves an existing state Redis onto the tagged key names
 * (src/store/redis-legacy-keys.ts, docs/redis.md). Exit codes: 0 done or nothing to do, 1 a
 * conflict (both an old key and its tagged name hold data) or live Jurist processes without
 * `--force`, 2 usage or configuration.
 *
 * A single Redis only. Versions without the tags could not run on a Redis Cluster (their
 * scripts spanned slots, so no key, champion or stream was ever written there), so a Cluster
 * holds nothing to carry over; data moved from an old single Redis to a Cluster must be
 * upgraded on the single Redis first. On a Cluster the old and new name of a key sit on
 * different slots, where RENAME fails with CROSSSLOT.
 */
export async function runRedisCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  try {
    if (action !== "upgrade") throw new Refusal(REDIS_USAGE, 2);
    let values: { force?: boolean | undefined; "dry-run"?: boolean | undefined };
    try {
      ({ values } = parseArgs({
        args: rest,
        options: { force: { type: "boolean" }, "dry-run": { type: "boolean" } },
      }));
    } catch (error) {
      throw new Refusal(`${(error as Error).message}\n${REDIS_USAGE}`, 2);
    }
    await upgrade({ force: values.force === true, dryRun: values["dry-run"] === true });
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.code;
  }
}

async function upgrade(options: { force: boolean; dryRun: boolean }): Promise<void> {
  const config = loadConfig();
  const target = stateRedisTarget(config);
  if (!target) throw new Refusal("REDIS_URL is unset: there is no state Redis to upgrade", 2);
  if (target.clusterNodes) {
    throw new Refusal(
      "jurist redis upgrade runs on a single Redis only: versions without hash tags could not run on a Redis Cluster, so it holds no old keys to move. Upgrade a single Redis before moving its data to a Cluster (docs/redis.md)",
      2,
    );
  }
  const prefix = config.stores.redisPrefix;
  const client = createRedisClient({
    ...target,
    keyPrefix: prefix,
    logger: pino({ level: "silent" }),
  });
  try {
    if (!(await client.ready()))
      throw new Refusal(
        `Redis at ${target.url ? new URL(target.url).host : "?"} is not reachable`,
        2,
      );
    const redis = client.commands as Redis;
    const live = await liveJuristProcesses(redis);
    if (live.length > 0 && !options.force && !options.dryRun) {
      throw new Refusal(
        `refusing to upgrade while Jurist uses this Redis: ${live.join("; ")}. Stop every gateway and the trainer first, or pass --force (a process writing meanwhile may leave keys to move on a second run)`,
        1,
      );
    }
    if (live.length > 0 && options.dryRun)
      out(`note: Jurist uses this Redis now: ${live.join("; ")}`);
    const plan = await planUpgrade(redis, prefix);
    const name = (move: KeyMove) =>
      `${prefix}${move.from} -> ${prefix}${move.to}${move.takeover ? ` (${TAKEOVER_NOTES[move.takeover]})` : ""}`;
    if (plan.conflicts.length > 0) {
      throw new Refusal(
        [
          "conflict: both the old key and its tagged name exist, nothing was moved:",
          ...plan.conflicts.map((move) => `  ${name(move)}`),
          "Keep one of each pair (look with redis-cli, then DEL the other) and run again.",
        ].join("\n"),
        1,
      );
    }
    if (options.dryRun) {
      for (const move of plan.moves) out(`would move ${name(move)}`);
      out(`${plan.moves.length} key(s) would move, and every old dedup marker`);
      return;
    }
    const outcome = await applyUpgrade(redis, prefix, plan);
    for (const move of outcome.moved) out(`moved ${name(move)}`);
    const { markers } = outcome;
    if (markers.moved + markers.left > 0) {
      out(`moved ${markers.moved} dedup marker(s), left ${markers.left} to expire`);
    }
    if (outcome.conflicts.length > 0) {
      throw new Refusal(
        [
          "conflict: these tagged keys appeared or changed while upgrading (a Jurist process is writing); the old keys are still there, run again once it stopped:",
          ...outcome.conflicts.map((move) => `  ${name(move)}`),
        ].join("\n"),
        1,
      );
    }
    if (outcome.moved.length === 0 && markers.moved === 0) {
      out(`nothing to upgrade: no old keys under the prefix "${prefix}"`);
    } else {
      out(`upgraded: ${outcome.moved.length} key(s) moved to their tagged names`);
    }
  } finally {
    await client.close();
  }
}
