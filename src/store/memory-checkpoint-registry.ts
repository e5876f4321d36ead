import { EventEmitter } from "node:events";
import { createAtomicJsonFile } from "./atomic-json-file.ts";
import type {
  ChampionChange,
  ChampionEvent,
  ChampionSwap,
  CheckpointRecord,
  CheckpointRegistry,
} from "./checkpoint-registry.ts";
import {
  checkStatusChange,
  compareCheckpointRecords,
  HISTORY_LIMIT,
  rollbackTarget,
  toStoredCheckpointRecord,
} from "./checkpoint-registry-rules.ts";

export interface MemoryCheckpointRegistryOptions {
  /**
   * A JSON file to keep the registry in (e.g. `<JURIST_DATA_DIR>/registry.json`), read at
   * creation and rewritten atomically on every change, so the champion survives a restart.
   * Only this process writes it while running; several gateways need the Redis registry.
   */
  file?: string;
}

interface RegistryState {
  records: Map<string, CheckpointRecord>;
  champion: string | null;
  history: ChampionChange[];
}

/** The registry file's layout. */
interface RegistryFile {
  records: CheckpointRecord[];
  champion: string | null;
  history: ChampionChange[];
}

interface Outcome<R> {
  result: R;
  changed: boolean;
  event?: ChampionEvent;
}

function fromFile(document: RegistryFile | null): RegistryState {
  const records = (document?.records ?? []).map(toStoredCheckpointRecord);
  return {
    records: new Map(records.map((record) => [record.id, record])),
    champion: document?.champion ?? null,
    history: document?.history ?? [],
  };
}

function toFile(state: RegistryState): RegistryFile {
  const records = [...state.records.values()].sort(compareCheckpointRecords);
  return { records, champion: state.champion, history: state.history };
}

function swap(
  draft: RegistryState,
  to: string,
  action: ChampionEvent["action"],
): Outcome<ChampionSwap> {
  const from = draft.champion;
  const retiring = from === null ? undefined : draft.records.get(from);
  if (retiring) draft.records.set(retiring.id, { ...retiring, status: "retired" });
  draft.records.set(to, { ...draft.records.get(to)!, status: "champion" });
  draft.champion = to;
  const change: ChampionChange = { from, to, action, at: Date.now() };
  draft.history = [change, ...draft.history].slice(0, HISTORY_LIMIT);
  return {
    result: { ok: true, champion: to, previous: from },
    changed: true,
    event: { champion: to, previous: from, action },
  };
}

function conflict(draft: RegistryState): Outcome<ChampionSwap> {
  return { result: { ok: false, reason: "conflict", actual: draft.champion }, changed: false };
}

/** The registry port plus `close()`, which releases what the adapter holds. */
export type MemoryCheckpointRegistry = CheckpointRegistry & { close(): Promise<void> };

/**
 * The checkpoint registry of a single gateway. Changes are applied one at a time, which makes
 * promote and rollback compare-and-set. Subscribers are called asynchronously after the change
 * is stored (and written to the file); a listener must not throw.
 */
export function createMemoryCheckpointRegistry(
  options: MemoryCheckpointRegistryOptions = {},
): MemoryCheckpointRegistry {
  const file = options.file ? createAtomicJsonFile<RegistryFile>({ path: options.file }) : null;
  const events = new EventEmitter();
  let state = fromFile(file?.readNow() ?? null);

  // Without a file nothing here awaits, so each change runs to completion within the call.
  function mutate<R>(apply: (draft: RegistryState) => Outcome<R>): Promise<R> {
    const run = async () => {
      const draft = { ...state, records: new Map(state.records) };
      const { result, changed, event } = apply(draft);
      if (changed && file) await file.write(toFile(draft));
      state = draft;
      if (event) queueMicrotask(() => events.emit("change", event));
      return result;
    };
    return file ? file.exclusive(run) : run();
  }

  const registry: MemoryCheckpointRegistry = {
    async register(record) {
      const stored = toStoredCheckpointRecord(record);
      await mutate((draft) => {
        draft.records.set(stored.id, stored);
        return { result: undefined, changed: true };
      });
    },
    async get(id) {
      const record = state.records.get(id);
      return record ? { ...record } : null;
    },
    async list() {
      return [...state.records.values()].sort(compareCheckpointRecords).map((r) => ({ ...r }));
    },
    async champion() {
      return state.champion;
    },
    promote(id, expected) {
      return mutate<ChampionSwap>((draft) => {
        if (!draft.records.has(id)) {
          return { result: { ok: false, reason: "unknown_checkpoint" }, changed: false };
        }
        if (draft.champion !== expected) return conflict(draft);
        if (draft.champion === id) {
          return { result: { ok: true, champion: id, previous: id }, changed: false };
        }
        return swap(draft, id, "promote");
      });
    },
    rollback(expected) {
      return mutate<ChampionSwap>((draft) => {
        if (draft.champion !== expected) return conflict(draft);
        const target = draft.champion && rollbackTarget(draft.history, draft.champion);
        if (!target) return { result: { ok: false, reason: "no_previous" }, changed: false };
        if (!draft.records.has(target)) {
          return { result: { ok: false, reason: "unknown_checkpoint" }, changed: false };
        }
        return swap(draft, target, "rollback");
      });
    },
    async history(limit = HISTORY_LIMIT) {
      return state.history.slice(0, Math.max(0, limit)).map((change) => ({ ...change }));
    },
    subscribe(listener) {
      events.on("change", listener);
      return () => {
        events.off("change", listener);
      };
    },
    async setStatus(id, status, gateReport) {
      await mutate((draft) => {
        const record = draft.records.get(id);
        checkStatusChange(id, status, record !== undefined, draft.champion);
        const report = gateReport === undefined ? record!.gateReport : gateReport;
        draft.records.set(id, { ...record!, status, gateReport: report });
        return { result: undefined, changed: true };
      });
    },
    /** Drops every subscriber; nothing else to release. */
    async close() {
      events.removeAllListeners();
    },
  };
  return registry;
}
