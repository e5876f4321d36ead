import type { ReplicaFleet } from "../engine/replica-fleet.ts";

/** A checkpoint the fleet serves, as `GET /v1/models` and gRPC ListModels list it. */
export interface ListedModel {
  id: string;
  role: "champion" | "candidate" | "shadow";
  kind: "lora" | "full";
  /** When it was created; null when unknown (replicas do not report it). */
  created: number | null;
  /** Healthy replicas serving it. */
  replicas: number;
  simulated: boolean;
}

/** Every checkpoint healthy replicas serve, with how many serve it. */
export function listModels(fleet: Pick<ReplicaFleet, "champion" | "snapshots">): ListedModel[] {
  const champion = fleet.champion();
  const byId = new Map<string, ListedModel>();
  for (const replica of fleet.snapshots().filter((r) => r.healthy)) {
    for (const model of replica.models) {
      const entry = byId.get(model.id) ?? {
        id: model.id,
        role: model.id === champion ? "champion" : "candidate",
        kind: model.parent === null ? "full" : "lora",
        created: null,
        replicas: 0,
        simulated: model.simulated,
      };
      entry.replicas += 1;
      byId.set(model.id, entry);
    }
  }
  return [...byId.values()];
}
