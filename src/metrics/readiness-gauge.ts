import { Gauge, type Registry } from "prom-client";

/**
 * `jurist_ready{scope}`: 1 when the gateway is ready in that scope, read on every scrape.
 * `fleet`: a healthy replica serves the champion and the gateway is not draining (what
 * `GET /readyz` answers); `process`: the gateway is not draining (`/readyz?scope=process`, the
 * Kubernetes readiness probe). With the probe on the process, a pod stays Ready through a vLLM
 * outage, so this gauge (and JuristNoHealthyReplica) is where the fleet's state shows.
 */
export function createReadinessGauge(registers: Registry[]) {
  let source: () => Record<string, boolean> = () => ({});
  new Gauge({
    name: "jurist_ready",
    help: "1 when the gateway is ready in the scope: fleet (a healthy replica serves the champion, not draining) or process (not draining)",
    labelNames: ["scope"],
    registers,
    collect() {
      this.reset();
      for (const [scope, ready] of Object.entries(source())) this.set({ scope }, ready ? 1 : 0);
    },
  });
  /** Makes the gauge read `next` on every scrape: each scope and whether it is ready. */
  return (next: () => Record<string, boolean>): void => {
    source = next;
  };
}
