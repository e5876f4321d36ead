import type { Logger } from "pino";
import { AppError } from "../core/errors.ts";
import type {
  ChampionSwap,
  CheckpointRecord,
  CheckpointRegistry,
} from "../store/checkpoint-registry.ts";
import { HISTORY_LIMIT, rollbackTarget } from "../store/checkpoint-registry-rules.ts";
import { storeCall } from "../store/store-errors.ts";
import {
  championConflict,
  noPrevious,
  type ReplicaProblem,
  swapOrThrow,
} from "./promotion-errors.ts";
import { promotionRule, rollbackRule, type StageRule } from "./promotion-quorum.ts";
import { createReplicaAdapters } from "./replica-adapters.ts";
import { createReplicaStaging, type Staged, type StagingFleet } from "./replica-staging.ts";

export type { PromotionStep, ReplicaProblem } from "./promotion-errors.ts";
export { PromotionError } from "./promotion-errors.ts";

export interface PromotionOptions {
  registry: CheckpointRegistry;
  fleet: StagingFleet;
  logger: Logger;
  /**
   * How long replicas may take to load a checkpoint and list it (LoRA), or to serve it healthy
   * (full), ms. Past it the stage fails with PROMOTION_FAILED and nothing is switched.
   */
  loadTimeoutMs: number;
  /**
   * Applies a new champion in this process at once (champion sync's `adopt`), so the next
   * request here uses it; other gateways follow the registry's change event.
   */
  adopt?: (champion: string) => void | Promise<void>;
  /** Pause between re-polls of the replicas while waiting, ms (default 200). */
  pollIntervalMs?: number;
  /** Bearer token for the replicas' LoRA routes (JURIST_REPLICA_API_KEY). */
  replicaApiKey?: string | undefined;
  /**
   * JURIST_PROMOTION_QUORUM: the share of healthy replicas that must list a checkpoint before
   * promotion switches to it (see promotion-quorum.ts). Default 1: every replica, down ones
   * included, as before quorums.
   */
  quorum?: number | undefined;
  /** Told of what promotion does to replicas, for the metrics. */
  observer?: PromotionObserver | undefined;
}

/** What promotion reports to the metrics (src/metrics/promotion-metrics.ts implements it). */
export interface PromotionObserver {
  /** A replica refused to load an adapter, or did not answer in time (promote, rollback, reconcile). */
  loadFailed(replica: string, checkpoint: string): void;
}

/** A champion change that happened. */
export interface ChampionSwitch {
  champion: string;
  previous: string | null;
  /**
   * Replicas that did not serve the new champion when it switched (it reached its quorum
   * without them): down, refused the load, or did not list it in time. The reconcile loop
   * loads a LoRA champion on them once they are healthy.
   */
  missing: ReplicaProblem[];
}

/**
 * Promotion, rejection and rollback such that a checkpoint becomes champion only once its
 * quorum of replicas serves it (`quorum`; rollback: the same share, down ones skipped). Routing sends a
 * checkpoint's requests only to replicas that list it, so the rest get no champion traffic
 * until the reconcile loop has loaded it there. Every operation stages first and switches the champion by one
 * compare-and-set; a failure before the switch undoes this call's adapter loads, so the
 * champion and the replicas stay as they were. A retired champion's adapter stays loaded, so
 * rolling back to it is instant.
 *
 * Errors are AppErrors: NOT_FOUND (unknown checkpoint), CONFLICT (the champion is not the
 * expected one, or the operation would unseat it), PROMOTION_FAILED (PromotionError: the step
 * and replicas), STORE_UNAVAILABLE (the registry cannot be reached).
 */
export function createPromotion(options: PromotionOptions) {
  const { registry, logger } = options;
  const adapters = createReplicaAdapters({
    timeoutMs: options.loadTimeoutMs,
    apiKey: options.replicaApiKey,
  });
  // Never undo a load of the champion; when the registry cannot say, keep it loaded.
  const mustKeep = (id: string) =>
    registry.champion().then(
      (champion) => champion === id,
      () => true,
    );
  const staging = createReplicaStaging({
    mustKeep,
    onLoadFailed: (replica, checkpoint) => options.observer?.loadFailed(replica, checkpoint),
    fleet: options.fleet,
    adapters,
    logger,
    loadTimeoutMs: options.loadTimeoutMs,
    pollIntervalMs: options.pollIntervalMs ?? 200,
  });
  const guarded = <T>(operation: () => Promise<T>) =>
    storeCall("the checkpoint registry", operation);
  // Concurrent stages of one checkpoint in this process share one attempt, so one attempt's
  // undo cannot pull an adapter from under another that is about to switch to it.
  const inFlightStages = new Map<string, Promise<Staged>>();

  async function recordOf(id: string): Promise<CheckpointRecord> {
    const record = await guarded(() => registry.get(id));
    if (!record) throw new AppError("NOT_FOUND", `checkpoint '${id}' is not registered`);
    return record;
  }

  /** The current champion, after checking it is the one the caller expects (if they said). */
  async function currentChampion(expected: string | null | undefined): Promise<string | null> {
    const current = await guarded(() => registry.champion());
    if (expected !== undefined && expected !== current) throw championConflict(current);
    return current;
  }

  const quorumRule = promotionRule(options.quorum ?? 1);
  const rollbackQuorum = rollbackRule(options.quorum ?? 1);
  // Healthy replicas that did not serve the champion when this process last tried to make them
  // (a switch or a reconcile round), by URL: the `jurist_replica_missing_champion` gauge.
  let lacking: { champion: string | null; replicas: Map<string, string> } = {
    champion: null,
    replicas: new Map(),
  };
  const noteLacking = (champion: string | null, problems: readonly ReplicaProblem[]) => {
    // Only a healthy replica is ever reported, so "down" would read wrong: say when it was.
    const reasonOf = (p: ReplicaProblem) =>
      p.reason.startsWith("down") ? `was ${p.reason} when the champion switched` : p.reason;
    lacking = { champion, replicas: new Map(problems.map((p) => [p.replica, reasonOf(p)])) };
  };
  let reconciling: Promise<string[]> | undefined;

  function stageRecord(record: CheckpointRecord, rule: StageRule): Promise<Staged> {
    const running = inFlightStages.get(record.id);
    if (running) return running;
    const attempt = staging.stage(record, rule).finally(() => inFlightStages.delete(record.id));
    inFlightStages.set(record.id, attempt);
    return attempt;
  }

  /** Undoes a stage's loads after the switch did not happen (see `mustKeep`). */
  async function undoLoads(id: string, loaded: readonly string[]): Promise<void> {
    if (loaded.length > 0 && !(await mustKeep(id))) await staging.unloadFrom(id, loaded);
  }

  async function switchTo(
    staged: Staged,
    swap: () => Promise<ChampionSwap>,
  ): Promise<ChampionSwitch> {
    let result: ChampionSwitch;
    try {
      result = { ...swapOrThrow(await guarded(swap), staged.checkpoint), missing: staged.missing };
    } catch (error) {
      await undoLoads(staged.checkpoint, staged.loaded);
      throw error;
    }
    noteLacking(result.champion, staged.missing);
    await options.adopt?.(result.champion);
    if (result.missing.length > 0) {
      logger.warn(result, "champion switched at quorum; replicas without it are reported");
    } else {
      logger.info(result, "champion switched");
    }
    return result;
  }

  async function reconcileRound(): Promise<string[]> {
    const champion = await guarded(() => registry.champion());
    const record = champion ? await guarded(() => registry.get(champion)) : null;
    if (record?.kind !== "lora") {
      noteLacking(null, []);
      return [];
    }
    const without = options.fleet
      .snapshots()
      .filter((r) => r.healthy && !r.models.some((m) => m.id === record.id));
    const { loaded, failed } = await staging.loadOn(record, without);
    noteLacking(record.id, failed);
    if (loaded.length > 0) {
      logger.warn(
        { champion: record.id, replicas: loaded },
        "champion adapter loaded by reconcile",
      );
    }
    return loaded;
  }

  return {
    /**
     * Makes the quorum of replicas serve `id` (idempotent); throws PromotionError when it
     * cannot. `missing` names the replicas that do not.
     */
    stage: async (id: string): Promise<Staged> => stageRecord(await recordOf(id), quorumRule),

    /**
     * Unloads a LoRA checkpoint from every replica (best effort; failures are logged and
     * returned). Refuses the champion: CONFLICT.
     */
    async unstage(id: string) {
      const record = await recordOf(id);
      if ((await guarded(() => registry.champion())) === id) {
        throw new AppError("CONFLICT", `'${id}' is the champion: roll back before unloading it`);
      }
      return { checkpoint: id, failed: await staging.unstage(record) };
    },

    /**
     * Stages `id`, then compare-and-sets it champion. `expectedChampion` undefined: whatever
     * the champion is when the call starts (a change during staging is still a CONFLICT).
     */
    async promote(id: string, expectedChampion?: string | null): Promise<ChampionSwitch> {
      const record = await recordOf(id);
      const expected = await currentChampion(expectedChampion);
      if (record.status === "rejected") {
        logger.warn({ checkpoint: id }, "promoting a rejected checkpoint");
      }
      const staged = await stageRecord(record, quorumRule);
      return switchTo(staged, () => registry.promote(id, expected));
    },

    /**
     * Rejects a candidate: unloads it everywhere and records status `rejected` with the gate
     * report. The champion and former champions (rollback targets) cannot be rejected.
     */
    async reject(id: string, reason: string, gateReport?: string | null) {
      const record = await recordOf(id);
      if (record.status === "champion" || record.status === "retired") {
        const role =
          record.status === "champion"
            ? "the champion"
            : "a former champion rollback may return to";
        throw new AppError("CONFLICT", `'${id}' is ${role}; only candidates are rejected`);
      }
      const failed = await staging.unstage(record);
      await guarded(() => registry.setStatus(id, "rejected", gateReport));
      logger.info(
        { checkpoint: id, reason, gateReport, unloadFailed: failed },
        "checkpoint rejected",
      );
      return { checkpoint: id, status: "rejected" as const, reason, failed };
    },

    /**
     * Returns to the champion before the current one: re-stages it if it is a LoRA adapter
     * no longer loaded, then compare-and-sets back. Unlike promotion, replicas that are down
     * do not block it: getting away from a bad champion matters more than full capacity.
     */
    async rollback(expectedChampion?: string | null): Promise<ChampionSwitch> {
      const current = await currentChampion(expectedChampion);
      const history = current ? await guarded(() => registry.history(HISTORY_LIMIT)) : [];
      const target = current && rollbackTarget(history, current);
      if (!target) throw noPrevious();
      const staged = await stageRecord(await recordOf(target), rollbackQuorum);
      return switchTo(staged, () => registry.rollback(current));
    },

    /**
     * Loads the champion's LoRA adapter on healthy replicas that do not list it: those a
     * promotion switched without (down, or refused), and those that lost it (a restarted vLLM
     * forgets adapters loaded at runtime). Until then routing sends them no champion traffic.
     * Replicas that are down are skipped; one that refuses is logged, counted and reported by
     * `missingChampion` until a later round loads it. Returns the replicas it loaded. One round
     * at a time: a call during a round shares it.
     */
    reconcile(): Promise<string[]> {
      reconciling ??= reconcileRound().finally(() => {
        reconciling = undefined;
      });
      return reconciling;
    },

    /**
     * Healthy replicas that do not serve the LoRA champion although this process tried (the
     * last switch or reconcile round), with why; down ones and those that have loaded it
     * since are left out.
     */
    missingChampion(): ReplicaProblem[] {
      const { champion, replicas } = lacking;
      if (!champion) return [];
      return options.fleet
        .snapshots()
        .filter((r) => r.healthy && replicas.has(r.url) && !r.models.some((m) => m.id === champion))
        .map((r) => ({ replica: r.url, reason: replicas.get(r.url)! }));
    },

    /** Closes the connections to the replicas' adapter endpoints. */
    close: () => adapters.close(),
  };
}

export type Promotion = ReturnType<typeof createPromotion>;
