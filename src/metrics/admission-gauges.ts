import { Gauge, type Registry } from "prom-client";
import { PRIORITY_CLASSES } from "../core/priority-class.ts";
import type { PriorityClass } from "../core/types.ts";

/** What the admission gauges read for one priority class. */
export interface AdmissionCounts {
  /** Engine calls of the class in flight on every replica. */
  inFlight: number;
  /** Engine calls of the class waiting for a replica slot. */
  waiting: number;
}

/**
 * `jurist_admission_in_flight{class}` and `jurist_admission_waiting{class}`, read from the
 * fleet on every scrape; one series per priority class, so the label set stays fixed.
 * Returns the setter of their source.
 */
export function createAdmissionGauges(registers: Registry[]) {
  let source: (priority: PriorityClass) => AdmissionCounts = () => ({ inFlight: 0, waiting: 0 });
  const perClass = (name: string, help: string, value: (counts: AdmissionCounts) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["class"],
      registers,
      collect() {
        for (const priority of PRIORITY_CLASSES) {
          this.set({ class: priority }, value(source(priority)));
        }
      },
    });
  perClass(
    "jurist_admission_in_flight",
    "Engine calls in flight on every replica, by priority class",
    (counts) => counts.inFlight,
  );
  perClass(
    "jurist_admission_waiting",
    "Engine calls waiting for a replica slot, by priority class",
    (counts) => counts.waiting,
  );
  return (next: (priority: PriorityClass) => AdmissionCounts): void => {
    source = next;
  };
}
