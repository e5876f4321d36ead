import type { Redis } from "ioredis";
import { findLegacyKeys, LEGACY_KEY_FAMILIES, LEGACY_KEYS } from "./redis-legacy-keys.ts";
import {
  isBootstrappedRegistry,
  isYoungStream,
  mergeYoungStream,
  replaceBootstrappedRegistry,
  type Takeover,
} from "./redis-upgrade-takeovers.ts";

/** One rename, both names without the key prefix (the client adds it). */
export interface KeyMove {
  from: string;
  to: string;
  /** Set when the tagged key exists but an upgraded process made it by itself (see takeovers). */
  takeover?: Takeover;
  /** The tagged key's DUMP when the plan judged it (a replace goes ahead only if unchanged). */
  expected?: Buffer | null;
}

/** What `jurist redis upgrade` would do, found before anything moves. */
export interface UpgradePlan {
  /** Old keys whose tagged name is free: renamed by {@link applyUpgrade}. */
  moves: KeyMove[];
  /** Old keys whose tagged name holds data too: the upgrade stops and names them. */
  conflicts: KeyMove[];
}

/** What {@link applyUpgrade} did. */
export interface UpgradeOutcome {
  moved: KeyMove[];
  /**
   * Keys whose tagged name appeared, or whose takeover's tagged key changed, between plan and
   * rename (a live process): left alone.
   */
  conflicts: KeyMove[];
  /** Dedup markers renamed, and those left to expire because the tagged one exists or they expired. */
  markers: { moved: number; left: number };
}

/** SCAN patterns are globs and ioredis does not prefix them: the prefix's own glob characters are escaped. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * Every key of a family, names without the prefix, a SCAN batch at a time. ioredis applies
 * `keyPrefix` to key arguments but not to SCAN's MATCH pattern nor to the names SCAN returns
 * (ioredis 6.0.0 README, "Transparent Key Prefixing", issues #239 and #325), so both are
 * handled here.
 */
async function* scanFamily(redis: Redis, prefix: string, from: string): AsyncGenerator<string[]> {
  const stream = redis.scanStream({
    match: `${globEscape(prefix)}${globEscape(from)}*`,
    count: 1000,
  });
  for await (const batch of stream as AsyncIterable<string[]>) {
    const names = batch
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length));
    if (names.length > 0) yield names;
  }
}

/** Splits old names into moves and conflicts by whether their tagged name exists. */
async function classify(redis: Redis, pairs: KeyMove[], plan: UpgradePlan): Promise<void> {
  const taken = await Promise.all(pairs.map(({ to }) => redis.exists(to)));
  for (const [index, pair] of pairs.entries()) {
    (taken[index]! > 0 ? plan.conflicts : plan.moves).push(pair);
  }
}

/**
 * Finds the old fixed-name keys and the old API key records (a few thousand at most) and
 * whether each tagged name is free. Dedup markers are not planned (there may be a day's worth,
 * ~864,000 at 10 collected/s): {@link applyUpgrade} streams them, and a marker never conflicts.
 */
export async function planUpgrade(redis: Redis, prefix: string): Promise<UpgradePlan> {
  const plan: UpgradePlan = { moves: [], conflicts: [] };
  const found = new Set(await findLegacyKeys(redis));
  await classify(
    redis,
    LEGACY_KEYS.filter(({ from }) => found.has(from)).map(({ from, to }) => ({ from, to })),
    plan,
  );
  for (const family of LEGACY_KEY_FAMILIES.filter((f) => f.conflicts === "refuse")) {
    for await (const names of scanFamily(redis, prefix, family.from)) {
      const pairs = names.map((from) => ({ from, to: family.to + from.slice(family.from.length) }));
      await classify(redis, pairs, plan);
    }
  }
  await settleTakeovers(redis, plan);
  return plan;
}

/** Turns the conflicts an upgraded process made by itself into takeovers (redis-upgrade-takeovers.ts). */
async function settleTakeovers(redis: Redis, plan: UpgradePlan): Promise<void> {
  const registry = plan.conflicts.filter((move) => move.to.startsWith("{registry}:"));
  // Dumped before the check: a registry changed between the two fails the replace's compare.
  const dumps = await Promise.all(registry.map((move) => redis.dumpBuffer(move.to)));
  const bootstrapped = registry.length > 0 && (await isBootstrappedRegistry(redis));
  const settled: KeyMove[] = [];
  for (const move of plan.conflicts) {
    if (bootstrapped && registry.includes(move)) {
      const expected = dumps[registry.indexOf(move)];
      settled.push({ ...move, takeover: "replace-bootstrapped-registry", expected });
    } else if (move.from === "prompts" && (await isYoungStream(redis, move.to))) {
      settled.push({ ...move, takeover: "merge-young-stream" });
    }
  }
  plan.conflicts = plan.conflicts.filter(
    (move) => !settled.some((done) => done.from === move.from),
  );
  plan.moves.push(...settled);
}

/**
 * RENAMENX, so a tagged key that appeared since the plan is never overwritten; a key gone
 * since (a marker that expired) is not an error. RENAME keeps the key's TTL and, for the
 * stream, its consumer groups and their pending entries.
 */
async function renameIfFree(redis: Redis, move: KeyMove): Promise<"moved" | "taken" | "gone"> {
  try {
    return (await redis.renamenx(move.from, move.to)) === 1 ? "moved" : "taken";
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return "gone";
    throw error;
  }
}

/**
 * Renames the planned keys, then every old dedup marker (those whose tagged twin exists are
 * left to expire with their TTL). Each rename is atomic and independent, so an upgrade cut
 * short is finished by running it again.
 */
export async function applyUpgrade(
  redis: Redis,
  prefix: string,
  plan: UpgradePlan,
): Promise<UpgradeOutcome> {
  const outcome: UpgradeOutcome = { moved: [], conflicts: [], markers: { moved: 0, left: 0 } };
  const registry = plan.moves.filter((move) => move.takeover === "replace-bootstrapped-registry");
  if (registry.length > 0) {
    const replaced = await replaceBootstrappedRegistry(redis, registry);
    (replaced ? outcome.moved : outcome.conflicts).push(...registry);
  }
  for (const move of plan.moves) {
    if (move.takeover === "replace-bootstrapped-registry") continue;
    if (move.takeover === "merge-young-stream") {
      const merged = await mergeYoungStream(redis, move.from, move.to);
      (merged ? outcome.moved : outcome.conflicts).push(move);
      continue;
    }
    const result = await renameIfFree(redis, move);
    if (result === "moved") outcome.moved.push(move);
    if (result === "taken") outcome.conflicts.push(move);
  }
  for (const family of LEGACY_KEY_FAMILIES.filter((f) => f.conflicts === "skip")) {
    for await (const names of scanFamily(redis, prefix, family.from)) {
      const results = await Promise.all(
        names.map((from) =>
          renameIfFree(redis, { from, to: family.to + from.slice(family.from.length) }),
        ),
      );
      for (const result of results) {
        if (result === "moved") outcome.markers.moved += 1;
        else outcome.markers.left += 1;
      }
    }
  }
  return outcome;
}

/**
 * Signs that Jurist processes use this Redis now, each a sentence for the refusal: gateway
 * heartbeats (`gateways`, a sorted set that expires 5 intervals after the last beat, so it
 * exists only while some gateway beats), the trainer's lease (a key with a TTL), and other
 * connections named `jurist-…` (every Jurist process names its connections, this version
 * `jurist-state-commands` and the like, older ones `jurist-commands`), which also finds
 * gateways that count their peers without Redis and versions from before the heartbeats.
 * CLIENT LIST may be refused (ACLs, renamed commands): that check is then skipped.
 */
export async function liveJuristProcesses(redis: Redis): Promise<string[]> {
  const signs: string[] = [];
  const gateways = await redis.zcard("gateways");
  if (gateways > 0) signs.push(`${gateways} gateway(s) heartbeat in the sorted set gateways`);
  const lease = await redis.get("trainer:lease");
  if (lease !== null) signs.push(`the trainer lease is held (by ${lease})`);
  try {
    const own = await redis.client("ID");
    const others = String(await redis.client("LIST"))
      .split("\n")
      .map((line) => ({
        id: /(?:^| )id=(\d+)/.exec(line)?.[1],
        name: /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "",
        addr: /(?:^| )addr=(\S+)/.exec(line)?.[1] ?? "?",
      }))
      .filter((client) => client.name.startsWith("jurist-") && client.id !== String(own));
    if (others.length > 0) {
      const from = [...new Set(others.map((client) => client.addr.replace(/:\d+$/, "")))];
      signs.push(`${others.length} other connection(s) named jurist-* (from ${from.join(", ")})`);
    }
  } catch {
    // CLIENT may be refused; the heartbeats and the lease still count.
  }
  return signs;
}
