import type { Logger } from "pino";
import { AppError } from "../core/errors.ts";
import type {
  ChampionSwap,
  CheckpointRecord,
  CheckpointRegistry,
} from "../store/checkpoint-registry.ts";
import { HISTORY_LIMIT, rollbackTarget } from "../store/checkpoint-registry-rules.ts";
import { storeCall } from "../store/store-errors.ts";
import { championConflict, noPrevious, swapOrThrow } from "./promotion-errors.ts";
import { createReplicaAdapters } from "./replica-adapters.ts";
import { createReplicaStaging, type Staged, type StagingFleet } from "./replica-staging.ts";

export type { PromotionStep } from "./promotion-errors.ts";
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
}

/** A champion change that happened. */
export interface ChampionSwitch {
  champion: string;
  previous: string | null;
}

/**
 * Promotion, rejection and rollback such that a checkpoint becomes champion only once every
 * replica serves it. Every operation stages first and switches the champion by one
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

  function stageRecord(record: CheckpointRecord, tolerateDown = false): Promise<Staged> {
    const running = inFlightStages.get(record.id);
    if (running) return running;
    const attempt = staging
      .stage(record, { tolerateDown })
      .finally(() => inFlightStages.delete(record.id));
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
      result = swapOrThrow(await guarded(swap), staged.checkpoint);
    } catch (error) {
      await undoLoads(staged.checkpoint, staged.loaded);
      throw error;
    }
    await options.adopt?.(result.champion);
    logger.info(result, "champion switched");
    return result;
  }

  return {
    /** Makes every replica serve `id` (idempotent); throws PromotionError when it cannot. */
    stage: async (id: string): Promise<Staged> => stageRecord(await recordOf(id)),

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
      const staged = await stageRecord(record);
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
      const staged = await stageRecord(await recordOf(target), true);
      return switchTo(staged, () => registry.rollback(current));
    },

    /**
     * Loads the champion's LoRA adapter again on healthy replicas that no longer list it (a
     * restarted vLLM forgets adapters loaded at runtime, and would get no champion traffic
     * until then). Replicas that are down are skipped. Returns the replicas it loaded.
     */
    async reconcile(): Promise<string[]> {
      const champion = await guarded(() => registry.champion());
      const record = champion ? await guarded(() => registry.get(champion)) : null;
      if (record?.kind !== "lora") return [];
      const lacking = options.fleet
        .snapshots()
        .filter((r) => r.healthy && !r.models.some((m) => m.id === record.id));
      if (lacking.length === 0) return [];
      const staged = await stageRecord(record, true);
      if (staged.loaded.length > 0) {
        logger.warn({ champion: record.id, replicas: staged.loaded }, "champion adapter re-loaded");
      }
      return staged.loaded;
    },

    /** Closes the connections to the replicas' adapter endpoints. */
    close: () => adapters.close(),
  };
}

export type Promotion = ReturnType<typeof createPromotion>;
