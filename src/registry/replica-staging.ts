import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { ReplicaSnapshot } from "../engine/fleet-types.ts";
import type { CheckpointRecord } from "../store/checkpoint-registry.ts";
import { PromotionError, type ReplicaProblem } from "./promotion-errors.ts";
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
  /** How long a stage may take from start to every replica serving it, ms. */
  loadTimeoutMs: number;
  /** Pause between re-polls while waiting, ms. */
  pollIntervalMs: number;
  /**
   * True when a checkpoint must stay loaded even though a stage of it failed: it became
   * champion meanwhile (a concurrent promotion elsewhere won), or nobody can tell.
   */
  mustKeep(id: string): Promise<boolean>;
}

/** What a successful stage did. */
export interface Staged {
  checkpoint: string;
  /** Replicas this stage loaded the adapter on; empty when it was there already (or full). */
  loaded: string[];
}

const lists = (replica: ReplicaSnapshot, id: string) => replica.models.some((m) => m.id === id);

/**
 * Makes every replica serve a checkpoint, or leaves them as they were. A LoRA adapter is
 * loaded where it is missing and the stage waits until every replica lists it; a full
 * checkpoint is deployed outside Jurist, so the stage only waits until some healthy replica
 * serves it and none that lists it is unhealthy. Failures throw PromotionError after undoing
 * this stage's loads.
 */
export function createReplicaStaging(options: ReplicaStagingOptions) {
  const { fleet, adapters, logger } = options;

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

  async function loadMissing(record: CheckpointRecord, missing: readonly ReplicaSnapshot[]) {
    const results = await Promise.all(
      missing.map((r) => adapters.load(r.url, record.id, record.uri)),
    );
    const loaded: string[] = [];
    const failed: ReplicaProblem[] = [];
    results.forEach((result, index) => {
      const replica = missing[index]!.url;
      if (result.ok) loaded.push(replica);
      // Another stage of the same adapter got there first: it is served, not ours to undo.
      else if (result.reason !== "already_loaded") failed.push({ replica, reason: result.message });
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

  /**
   * `tolerateDown`: replicas that are down are skipped instead of failing the stage (rollback:
   * a down replica serves nothing anyway, and must not keep a bad champion in place).
   */
  async function stageLora(
    record: CheckpointRecord,
    deadline: number,
    tolerateDown: boolean,
  ): Promise<Staged> {
    const id = record.id;
    await fleet.pollNow();
    const replicas = fleet.snapshots();
    const down = replicas
      .filter((r) => !r.healthy)
      .map((r) => ({ replica: r.url, reason: `down (${r.lastError ?? "unhealthy"})` }));
    const targets = () => fleet.snapshots().filter((r) => r.healthy || !tolerateDown);
    if (targets().length === 0) down.push({ replica: "-", reason: "no replica is up" });
    if (down.length > 0 && (!tolerateDown || targets().length === 0)) {
      throw new PromotionError(id, "check_replicas", down);
    }
    if (down.length > 0)
      logger.warn({ checkpoint: id, down }, "staging past replicas that are down");

    const missing = targets().filter((r) => !lists(r, id));
    const { loaded, failed } = await loadMissing(record, missing);
    if (failed.length > 0) return failAfterUndo(new PromotionError(id, "load", failed), loaded);

    const everywhere = () => {
      const now = targets();
      return now.length > 0 && now.every((r) => r.healthy && lists(r, id));
    };
    if (!(await waitUntil(deadline, everywhere))) {
      const notListing = targets()
        .filter((r) => !(r.healthy && lists(r, id)))
        .map((r) => ({ replica: r.url, reason: r.healthy ? "does not list it" : "went down" }));
      return failAfterUndo(new PromotionError(id, "wait_listed", notListing), loaded);
    }
    return { checkpoint: id, loaded };
  }

  async function stageFull(record: CheckpointRecord, deadline: number): Promise<Staged> {
    const serving = () => fleet.snapshots().filter((r) => lists(r, record.id));
    const ready = () => serving().some((r) => r.healthy) && serving().every((r) => r.healthy);
    // Jurist cannot start replicas: say what the operator's deploy step must bring up (the
    // blue/green recipe in docs/deployment.md), once, before waiting for it.
    const deployHint = `start replicas that serve ${record.uri} as --served-model-name ${record.id}`;
    await fleet.pollNow();
    if (ready()) return { checkpoint: record.id, loaded: [] };
    logger.info(
      { checkpoint: record.id, uri: record.uri, waitMs: Math.max(0, deadline - Date.now()) },
      `full checkpoint: waiting for replicas to serve it (${deployHint})`,
    );
    if (await waitUntil(deadline, ready)) return { checkpoint: record.id, loaded: [] };
    const problems = serving()
      .filter((r) => !r.healthy)
      .map((r) => ({
        replica: r.url,
        reason: `serves it but is down (${r.lastError ?? "unhealthy"})`,
      }));
    if (problems.length === 0) {
      problems.push({ replica: "-", reason: `no replica serves it (${deployHint})` });
    }
    throw new PromotionError(record.id, "wait_healthy", problems);
  }

  return {
    /**
     * Throws PromotionError (replicas left as they were) when it cannot be served everywhere;
     * `tolerateDown` skips replicas that are down instead (at least one must be up).
     */
    stage(record: CheckpointRecord, { tolerateDown = false } = {}): Promise<Staged> {
      const deadline = Date.now() + options.loadTimeoutMs;
      return record.kind === "lora"
        ? stageLora(record, deadline, tolerateDown)
        : stageFull(record, deadline);
    },
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
