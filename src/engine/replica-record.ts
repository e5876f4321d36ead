import type { StructuredOutputField } from "./completion-wire.ts";
import type { EngineClient } from "./engine-client.ts";
import type { Replica } from "./fleet-types.ts";
import { freshEjectionState } from "./outlier-ejection.ts";

/** What a replica record starts from besides its address and client. */
export interface NewReplicaOptions {
  /** Calls it may have in flight at once. */
  maxInFlight: number;
  /** The field its constrained calls carry until its `/version` is read. */
  choiceField: StructuredOutputField;
}

/**
 * A replica as the fleet first knows it: not yet probed (unhealthy, serving nothing, idle), its
 * version unknown, never ejected. The fleet's poller fills it in; tests start from it too, so a
 * field added to `Replica` is initialised in one place.
 */
export function newReplica(url: string, client: EngineClient, options: NewReplicaOptions): Replica {
  return {
    url,
    client,
    healthy: false,
    models: [],
    servedModels: [],
    inFlight: 0,
    batchInFlight: 0,
    maxInFlight: options.maxInFlight,
    running: 0,
    inFlightAtPoll: 0,
    waiting: 0,
    latencyMs: 0,
    checkedAt: 0,
    lastError: null,
    removed: false,
    version: null,
    versionReadAt: 0,
    choiceField: options.choiceField,
    unconstrained: null,
    ...freshEjectionState(),
  };
}
