import type { FleetObserver } from "../engine/fleet-types.ts";
import type { Metrics } from "./metrics.ts";

/** The fleet's events as Prometheus metrics. */
export function fleetObserverFor(metrics: Metrics): FleetObserver {
  return {
    call(replica, outcome, seconds) {
      metrics.engine.requests.inc({ replica, outcome });
      // Failures and timeouts count too: a slow failing replica must show in the histogram.
      if (outcome !== "cancelled") metrics.engine.duration.observe({ replica }, seconds);
    },
    retry: (reason) => metrics.engine.retries.inc({ reason }),
    retryBudgetExhausted: () => metrics.engine.retryBudgetExhausted.inc(),
    hedge: (winner) => metrics.engine.hedgedRequests.inc({ winner }),
    ejected: (replica) => metrics.fleet.ejections.inc({ replica }),
    shed(reason, priority) {
      metrics.admission.shed.inc({ reason });
      metrics.admission.shedByClass.inc({ class: priority });
    },
    admissionWait: (seconds, priority) =>
      metrics.admission.wait.observe({ class: priority }, seconds),
    unconstrained: (replica) => metrics.engine.unconstrainedAnswers.inc({ replica }),
    promptTokens(replica, cached, computed) {
      metrics.engine.promptTokens.inc({ replica, kind: "cached" }, cached);
      metrics.engine.promptTokens.inc({ replica, kind: "computed" }, computed);
    },
    staleConnection: (replica) => metrics.engine.staleConnectionRetries.inc({ replica }),
  };
}
