import type { Logger } from "pino";
import type { ReplicaSnapshot } from "../engine/fleet-types.ts";
import type { CheckpointRegistry } from "../store/checkpoint-registry.ts";

/** What champion sync needs of the fleet. */
export interface ChampionTarget {
  setChampion(id: string): void;
  discoveredBaseModel(): string | undefined;
  snapshots(): ReplicaSnapshot[];
  pollNow(): Promise<void>;
}

export interface ChampionSyncOptions {
  registry: CheckpointRegistry;
  fleet: ChampionTarget;
  /** The champion to install in an empty registry; else the base model replicas serve. */
  preferred: string | undefined;
  /** How often the pointer is re-read besides change events, ms. */
  refreshMs: number;
  logger: Logger;
}

/**
 * Keeps this gateway's champion equal to the registry's: on every change event (from any
 * gateway) at once, and by re-reading on an interval in case an event was missed while the
 * connection was down. An empty registry gets a first champion by compare-and-set, so when
 * several gateways start together exactly one bootstraps it.
 */
/**
 * Makes the served base model `id` the first champion of an empty registry (registering it
 * when it has no record), as a gateway does at first start. Resolves to the champion after
 * the attempt: `id`, or the one another gateway set first; null when the registry refused.
 */
export async function bootstrapChampion(
  registry: CheckpointRegistry,
  id: string,
): Promise<string | null> {
  if (!(await registry.get(id))) {
    await registry.register({
      id,
      kind: "full",
      baseModel: id,
      uri: id,
      parent: null,
      created: Date.now(),
      status: "candidate",
      gateReport: null,
    });
  }
  const swap = await registry.promote(id, null);
  if (swap.ok) return swap.champion;
  return swap.reason === "conflict" ? swap.actual : null;
}

export function createChampionSync(options: ChampionSyncOptions) {
  const { registry, fleet, logger } = options;
  let current: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  const served = (id: string) =>
    fleet.snapshots().some((r) => r.healthy && r.models.some((m) => m.id === id));

  /**
   * Switches to `champion`. When another process staged it, this gateway's snapshots may
   * predate the load and switching on them would answer 503 until the next poll, so a fresh
   * poll looks first (a newer champion arriving meanwhile wins); whatever it saw, the registry
   * has the last word. Served already: the switch happens before this returns.
   */
  async function adopt(champion: string | null): Promise<void> {
    if (!champion || champion === current) return;
    logger.info({ champion, previous: current }, "champion changed");
    current = champion;
    if (!served(champion)) await fleet.pollNow();
    if (current === champion) fleet.setChampion(champion);
  }

  async function bootstrap(): Promise<string | null> {
    const id = options.preferred ?? fleet.discoveredBaseModel();
    return id ? bootstrapChampion(registry, id) : null;
  }

  async function refresh(): Promise<void> {
    try {
      await adopt((await registry.champion()) ?? (await bootstrap()));
    } catch (error) {
      logger.debug({ err: error }, "champion refresh failed; keeping the current one");
    }
  }

  return {
    async start(): Promise<void> {
      unsubscribe = registry.subscribe((event) => void adopt(event.champion));
      await refresh();
      timer = setInterval(() => void refresh(), options.refreshMs);
      timer.unref();
    },
    /** The champion this gateway serves, as last seen in the registry. */
    champion: () => current,
    adopt,
    stop(): void {
      clearInterval(timer);
      unsubscribe?.();
    },
  };
}

export type ChampionSync = ReturnType<typeof createChampionSync>;
