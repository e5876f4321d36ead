import type { FleetObserver } from "../engine/fleet-types.ts";
import { replicaId } from "../engine/replica-id.ts";
import type { Metrics } from "./metrics.ts";

/**
 * The fleet's events as Prometheus metrics. The fleet names replicas by URL; the `replica`
 * label is the URL's id (src/engine/replica-id.ts), as `/metrics` answers without a key.
 */
export function fleetObserverFor(metrics: Metrics): FleetObserver {
  return {
    call(url, outcome, seconds) {
      const replica = replicaId(url);
      metrics.engine.requests.inc({ replica, outcome });
      // Failures and timeouts count too: a slow failing replica must show in the histogram.
      if (outcome !== "cancelled") metrics.engine.duration.observe({ replica }, seconds);
    },
    retry: (reason) => metrics.engine.retries.inc({ reason }),
    retryBudgetExhausted: () => metrics.engine.retryBudgetExhausted.inc(),
    hedge: (winner) => metrics.engine.hedgedRequests.inc({ winner }),
    ejected: (url) => metrics.fleet.ejections.inc({ replica: replicaId(url) }),
    shed(reason, priority) {
      metrics.admission.shed.inc({ reason });
      metrics.admission.shedByClass.inc({ class: priority });
    },
    admissionWait: (seconds, priority) =>
      metrics.admission.wait.observe({ class: priority }, seconds),
    unconstrained: (url) => metrics.engine.unconstrainedAnswers.inc({ replica: replicaId(url) }),
    promptTokens(url, cached, computed) {
      const replica = replicaId(url);
      metrics.engine.promptTokens.inc({ replica, kind: "cached" }, cached);
      metrics.engine.promptTokens.inc({ replica, kind: "computed" }, computed);
    },
    staleConnection: (url) =>
      metrics.engine.staleConnectionRetries.inc({ replica: replicaId(url) }),
  };
}
