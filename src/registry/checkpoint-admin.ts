import { AppError } from "../errors.ts";
import type {
  ChampionSwap,
  CheckpointRecord,
  CheckpointRegistry,
} from "../store/checkpoint-registry.ts";
import { storeCall } from "../store/store-errors.ts";

export interface CheckpointAdminDeps {
  registry: CheckpointRegistry;
  /** Whether some healthy replica serves the checkpoint now. */
  isServed(id: string): boolean;
  /** Applies a new champion locally at once (other gateways follow the event). */
  adopt(id: string): void;
}

export interface RegisterInput {
  id: string;
  kind: "lora" | "full";
  baseModel: string;
  uri: string;
  parent: string | null;
}

function swapOrThrow(
  swap: ChampionSwap,
  id: string | null,
): { champion: string; previous: string | null } {
  if (swap.ok) return { champion: swap.champion, previous: swap.previous };
  if (swap.reason === "unknown_checkpoint") {
    throw new AppError("NOT_FOUND", `checkpoint '${id}' is not registered`);
  }
  if (swap.reason === "no_previous") {
    throw new AppError("CONFLICT", "there is no previous champion to roll back to");
  }
  throw new AppError("CONFLICT", "the champion changed meanwhile; read it and try again", {
    details: [{ path: "expected_champion", reason: `the champion is ${swap.actual ?? "unset"}` }],
  });
}

/**
 * The admin operations on checkpoints, transport-free. Promotion and rollback are one
 * compare-and-set each: with no `expectedChampion` the current one is read first, and a change
 * in between is a CONFLICT rather than a lost update.
 */
export function createCheckpointAdmin(deps: CheckpointAdminDeps) {
  const { registry } = deps;
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
      guarded(async () => {
        if (!(await registry.get(id))) {
          throw new AppError("NOT_FOUND", `checkpoint '${id}' is not registered`);
        }
        if (!deps.isServed(id)) {
          throw new AppError("CONFLICT", `no healthy replica serves '${id}'; load it first`);
        }
        const expected =
          expectedChampion === undefined ? await registry.champion() : expectedChampion;
        const result = swapOrThrow(await registry.promote(id, expected), id);
        deps.adopt(result.champion);
        return result;
      }),

    rollback: (expectedChampion: string | null | undefined) =>
      guarded(async () => {
        const expected =
          expectedChampion === undefined ? await registry.champion() : expectedChampion;
        const result = swapOrThrow(await registry.rollback(expected), null);
        deps.adopt(result.champion);
        return result;
      }),
  };
}

export type CheckpointAdmin = ReturnType<typeof createCheckpointAdmin>;
