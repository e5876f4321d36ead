import { Gauge, type Registry } from "prom-client";

/**
 * `jurist_champion_info{checkpoint}`: 1 for the checkpoint this process serves as champion,
 * read on every scrape. The gauge is reset first, so a replaced champion's series ends and
 * the dashboard's champion history is the sequence of series over time.
 */
export function createChampionGauge(registers: Registry[]) {
  let source: () => string | null = () => null;
  new Gauge({
    name: "jurist_champion_info",
    help: "1 for the checkpoint this process serves as champion (no series before the first)",
    labelNames: ["checkpoint"],
    registers,
    collect() {
      this.reset();
      const champion = source();
      if (champion) this.set({ checkpoint: champion }, 1);
    },
  });
  /** Makes the gauge read `next` on every scrape; a later call replaces the source. */
  return (next: () => string | null): void => {
    source = next;
  };
}
