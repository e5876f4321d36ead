import { AppError } from "../core/errors.ts";
import type { CheckpointRecord, CheckpointRegistry } from "../store/checkpoint-registry.ts";
import { storeCall } from "../store/store-errors.ts";
import type { Promotion } from "./promotion.ts";

export interface CheckpointAdminDeps {
  registry: CheckpointRegistry;
  /** Stages and switches the champion; promotion and rollback go through it. */
  promotion: Pick<Promotion, "promote" | "rollback">;
}

export interface RegisterInput {
  id: string;
  kind: "lora" | "full";
  baseModel: string;
  uri: string;
  parent: string | null;
}

/**
 * The admin operations on checkpoints, transport-free. Promotion and rollback stage the
 * checkpoint on the replicas first (promotion: its quorum) and then switch by one compare-and-set (see
 * `createPromotion`): with no `expectedChampion` the current one is read first, and a change
 * in between is a CONFLICT rather than a lost update.
 */
export function createCheckpointAdmin(deps: CheckpointAdminDeps) {
  const { registry, promotion } = deps;
  const guarded = <T>(operation: () => Promise<T>) =>
    storeCall("the checkpoint registry", operation);

  return {
    list: () =>
      guarded(async () => {
        const [records, champion, history] = await Promise.all([
          registry.list(),
          registry.champion(),
          registry.history(50),
        ]);
        return { records, champion, history };
      }),

    register: (input: RegisterInput): Promise<CheckpointRecord> =>
      guarded(async () => {
        if (await registry.get(input.id)) {
          throw new AppError("CONFLICT", `checkpoint '${input.id}' is already registered`);
        }
        const record: CheckpointRecord = {
          ...input,
          created: Date.now(),
          status: "candidate",
          gateReport: null,
        };
        await registry.register(record);
        return record;
      }),

    promote: (id: string, expectedChampion: string | null | undefined) =>
      promotion.promote(id, expectedChampion),

    rollback: (expectedChampion: string | null | undefined) => promotion.rollback(expectedChampion),
  };
}

export type CheckpointAdmin = ReturnType<typeof createCheckpointAdmin>;
