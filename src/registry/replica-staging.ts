import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { ReplicaSnapshot } from "../engine/fleet-types.ts";
import type { CheckpointRecord } from "../store/checkpoint-registry.ts";
import { PromotionError, type ReplicaProblem } from "./promotion-errors.ts";
import { requiredListings, type StageRule } from "./promotion-quorum.ts";
import type { AdapterCallResult } from "./replica-adapters.ts";

/** What staging needs of the fleet: fresh snapshots on demand. */
export interface StagingFleet {
  snapshots(): ReplicaSnapshot[];
  /** A poll round that starts after the call (so it sees a load that just finished). */
  pollNow(): Promise<void>;
}

/** What staging needs of the replicas' runtime LoRA API. */
export interface AdapterCalls {
  load(url: string, name: string, path: string): Promise<AdapterCallResult>;
  unload(url: string, name: string): Promise<AdapterCallResult>;
}

export interface ReplicaStagingOptions {
  fleet: StagingFleet;
  adapters: AdapterCalls;
  logger: Logger;
  /** How long a stage may take from start to its quorum of replicas serving it, ms. */
  loadTimeoutMs: number;
  /** Pause between re-polls while waiting, ms. */
  pollIntervalMs: number;
  /**
   * True when a checkpoint must stay loaded even though a stage of it failed: it became
   * champion meanwhile (a concurrent promotion elsewhere won), or nobody can tell.
   */
  mustKeep(id: string): Promise<boolean>;
  /** Told of every replica that refused to load an adapter, or did not answer in time. */
  onLoadFailed?: (replica: string, checkpoint: string) => void;
}

/** What a successful stage did. */
export interface Staged {
  checkpoint: string;
  /** Replicas this stage loaded the adapter on; empty when it was there already (or full). */
  loaded: string[];
  /**
   * Replicas that do not serve it although the stage succeeded (it reached its quorum without
   * them): down, refused the load, or did not list it in time, each with the reason.
   */
  missing: ReplicaProblem[];
}

const lists = (replica: ReplicaSnapshot, id: string) => replica.models.some((m) => m.id === id);
/** Why a quorum was not reached, for the error's message. */
const shortOf = (listing: number, counted: number, needed: number) =>
  `${listing} of ${counted} healthy replicas could list it, ${needed} needed`;
const downReason = (replica: ReplicaSnapshot) => `down (${replica.lastError ?? "unhealthy"})`;

/**
 * Makes replicas serve a checkpoint by a {@link StageRule}, or leaves them as they were. A LoRA
 * adapter is loaded where it is missing and the stage waits until the rule's share of replicas
 * lists it; a full checkpoint is deployed outside Jurist, so the stage only waits until some
 * healthy replica serves it (strict: and none that lists it is unhealthy). Failures throw
 * PromotionError after undoing this stage's loads.
 */
export function createReplicaStaging(options: ReplicaStagingOptions) {
  const { fleet, adapters, logger } = options;
  /**
   * The refusal last logged per replica (checkpoint and message). Every gateway's reconcile
   * loop tries a refusing replica again each round: the counter counts each try, the log says
   * it once per cause, and again after a load there succeeded.
   */
  const refusalLogged = new Map<string, string>();

  /** Re-polls until `done` holds or the deadline passes; true when it held. */
  async function waitUntil(deadline: number, done: () => boolean): Promise<boolean> {
    for (;;) {
      await fleet.pollNow();
      if (done()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(options.pollIntervalMs);
    }
  }

  /** Best effort: a replica that cannot unload is logged and named in the result. */
  async function unloadFrom(id: string, urls: readonly string[]): Promise<ReplicaProblem[]> {
    const results = await Promise.all(urls.map((url) => adapters.unload(url, id)));
    const problems: ReplicaProblem[] = [];
    results.forEach((result, index) => {
      const replica = urls[index]!;
      if (result.ok || result.reason === "not_loaded") return;
      problems.push({ replica, reason: result.message });
      logger.warn({ checkpoint: id, replica, reason: result.message }, "adapter unload failed");
    });
    return problems;
  }

  /**
   * Loads an adapter on `missing` at once. A refusal (or timeout) is told to `onLoadFailed`
   * and returned, and logged once per replica and cause; "already loaded" means another stage got there first: it is
   * served, and not ours to undo.
   */
  async function loadOn(record: CheckpointRecord, missing: readonly ReplicaSnapshot[]) {
    const results = await Promise.all(
      missing.map((r) => adapters.load(r.url, record.id, record.uri)),
    );
    const loaded: string[] = [];
    const failed: ReplicaProblem[] = [];
    results.forEach((result, index) => {
      const replica = missing[index]!.url;
      if (result.ok) {
        loaded.push(replica);
        refusalLogged.delete(replica);
      } else if (result.reason !== "already_loaded") {
        failed.push({ replica, reason: `load failed: ${result.message}` });
        const cause = `${record.id}\n${result.message}`;
        if (refusalLogged.get(replica) !== cause) {
          // Bounded by the replicas that refuse; a fleet churning through addresses resets it.
          if (refusalLogged.size >= 1_000) refusalLogged.clear();
          refusalLogged.set(replica, cause);
          logger.warn(
            { checkpoint: record.id, replica, reason: result.message },
            "replica could not load the adapter",
          );
        }
        options.onLoadFailed?.(replica, record.id);
      }
    });
    return { loaded, failed };
  }

  async function failAfterUndo(error: PromotionError, loaded: readonly string[]): Promise<never> {
    logger.warn(
      { checkpoint: error.checkpoint, step: error.step, problems: error.problems },
      "stage failed",
    );
    if (!(await options.mustKeep(error.checkpoint))) await unloadFrom(error.checkpoint, loaded);
    throw error;
  }

  async function stageLora(
    record: CheckpointRecord,
    deadline: number,
    rule: StageRule,
  ): Promise<Staged> {
    const id = record.id;
    await fleet.pollNow();
    const replicas = fleet.snapshots();
    const down = replicas
      .filter((r) => !r.healthy)
      .map((r) => ({ replica: r.url, reason: downReason(r) }));
    const up = replicas.filter((r) => r.healthy);
    if (up.length === 0) {
      down.push({ replica: "-", reason: "no replica is up" });
      throw new PromotionError(id, "check_replicas", down);
    }
    if (down.length > 0 && rule.strict) throw new PromotionError(id, "check_replicas", down);
    if (down.length > 0) {
      logger.warn({ checkpoint: id, down }, "staging past replicas that are down");
    }

    // Counted: the replicas healthy now (strict: every replica, as every one is healthy here).
    const counted = new Set(up.map((r) => r.url));
    const { loaded, failed } = await loadOn(
      record,
      up.filter((r) => !lists(r, id)),
    );
    const refused = new Set(failed.map((f) => f.replica));
    const needed = requiredListings(rule.share, counted.size);
    if (counted.size - refused.size < needed) {
      const note = shortOf(counted.size - refused.size, counted.size, needed);
      return failAfterUndo(new PromotionError(id, "load", failed, note), loaded);
    }

    const current = () => fleet.snapshots().filter((r) => counted.has(r.url));
    const serves = (r: ReplicaSnapshot) => r.healthy && lists(r, id);
    // Nothing more to wait for: every counted replica lists it, refused, or (not strict) went
    // down. A replica that left the fleet (discovery) is gone from `current` and so counts as
    // gone down.
    const settled = () =>
      current().every((r) => serves(r) || refused.has(r.url) || (!rule.strict && !r.healthy));
    await waitUntil(deadline, settled);

    const now = current();
    const gone = rule.strict ? 0 : counted.size - now.filter((r) => r.healthy).length;
    const listing = now.filter(serves).length;
    const missing = [
      ...failed,
      ...now
        .filter((r) => !serves(r) && !refused.has(r.url))
        .map((r) => ({
          replica: r.url,
          reason: r.healthy ? "did not list it in time" : "went down while staging",
        })),
    ];
    const neededNow = requiredListings(rule.share, counted.size - gone);
    if (listing < neededNow) {
      const note = shortOf(listing, counted.size - gone, neededNow);
      return failAfterUndo(new PromotionError(id, "wait_listed", missing, note), loaded);
    }
    if (missing.length > 0 || down.length > 0) {
      logger.warn(
        { checkpoint: id, listing, counted: counted.size - gone, missing, down },
        "staged at quorum: the reconcile loop loads the rest when they are healthy",
      );
    }
    return { checkpoint: id, loaded, missing: [...missing, ...down] };
  }

  /**
   * Which replicas serve a full checkpoint is the deploy's business, so the quorum has nothing
   * to count but the replicas that list it: strict, every one of them must be healthy; else
   * one healthy is enough and those down are reported (the deploy waits for its replicas to be
   * ready before promoting: docs/deployment.md).
   */
  async function stageFull(
    record: CheckpointRecord,
    deadline: number,
    rule: StageRule,
  ): Promise<Staged> {
    const serving = () => fleet.snapshots().filter((r) => lists(r, record.id));
    const ready = () =>
      serving().some((r) => r.healthy) && (!rule.strict || serving().every((r) => r.healthy));
    const servingDown = () =>
      serving()
        .filter((r) => !r.healthy)
        .map((r) => ({ replica: r.url, reason: `serves it but is ${downReason(r)}` }));
    const staged = (): Staged => ({ checkpoint: record.id, loaded: [], missing: servingDown() });
    // Jurist cannot start replicas: say what the operator's deploy step must bring up (the
    // blue/green recipe in docs/deployment.md), once, before waiting for it.
    const deployHint = `start replicas that serve ${record.uri} as --served-model-name ${record.id}`;
    await fleet.pollNow();
    if (ready()) return staged();
    logger.info(
      { checkpoint: record.id, uri: record.uri, waitMs: Math.max(0, deadline - Date.now()) },
      `full checkpoint: waiting for replicas to serve it (${deployHint})`,
    );
    if (await waitUntil(deadline, ready)) return staged();
    const problems = servingDown();
    if (problems.length === 0) {
      problems.push({ replica: "-", reason: `no replica serves it (${deployHint})` });
    }
    throw new PromotionError(record.id, "wait_healthy", problems);
  }

  return {
    /**
     * Throws PromotionError (replicas left as they were) when the rule's share of replicas
     * cannot serve it (see {@link StageRule}); on success names the replicas that do not.
     */
    stage(record: CheckpointRecord, rule: StageRule): Promise<Staged> {
      const deadline = Date.now() + options.loadTimeoutMs;
      return record.kind === "lora"
        ? stageLora(record, deadline, rule)
        : stageFull(record, deadline, rule);
    },
    /** Loads a LoRA adapter where it is missing, without waiting (reconcile). */
    loadOn,
    unloadFrom,
    /**
     * Unloads a LoRA adapter from every replica (not only those a snapshot lists it on: a
     * snapshot may predate a load). Full checkpoints are not Jurist's to remove: a no-op.
     */
    async unstage(record: CheckpointRecord): Promise<ReplicaProblem[]> {
      if (record.kind !== "lora") return [];
      return unloadFrom(
        record.id,
        fleet.snapshots().map((r) => r.url),
      );
    },
  };
}

export type ReplicaStaging = ReturnType<typeof createReplicaStaging>;
