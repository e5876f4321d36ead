import { setImmediate as nextTurn } from "node:timers/promises";
import { type Metric, Registry } from "prom-client";

/** Longest stretch of serialisation between two turns of the event loop, ms. */
const SLICE_MS = 2;

/**
 * A prom-client registry whose `metrics()` yields to the event loop between metric families
 * and every few milliseconds inside a large one. prom-client serialises the whole registry in
 * one run of microtasks: at 10k series that held the event loop for ~40 ms per scrape (far
 * more while cold), which every request in flight waits out. The text is the same as
 * prom-client's (Prometheus format 0.0.4; Jurist sets no default labels and no exemplars).
 *
 * Families are read one at a time, so gauges that share a source read it through
 * `perScrape`, which hands every family of one scrape the same value.
 */
export class YieldingRegistry extends Registry {
  #generation = 0;
  #active = 0;

  #beforeScrape: (() => void)[] = [];

  /** Runs `hook` at the start of every scrape, before any family is read. */
  beforeScrape(hook: () => void): void {
    this.#beforeScrape.push(hook);
  }

  override async metrics(): Promise<string> {
    this.#generation += 1;
    this.#active += 1;
    try {
      for (const hook of this.#beforeScrape) hook();
      const parts: string[] = [];
      let sliceStart = performance.now();
      // Typed as plain descriptions by prom-client, these are the registered metric objects.
      for (const metric of this.getMetricsAsArray() as unknown as Metric[]) {
        const family = await metric.get();
        const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`];
        lines.push(`# TYPE ${family.name} ${family.type}`);
        for (const [index, value] of family.values.entries()) {
          const sample: Sample = value;
          lines.push(sampleLine(sample.metricName ?? family.name, sample));
          if (index % 64 === 63 && performance.now() - sliceStart > SLICE_MS) {
            await nextTurn();
            sliceStart = performance.now();
          }
        }
        parts.push(lines.join("\n"));
        if (performance.now() - sliceStart > SLICE_MS) {
          await nextTurn();
          sliceStart = performance.now();
        }
      }
      return `${parts.join("\n\n")}\n`;
    } finally {
      this.#active -= 1;
    }
  }

  /**
   * `read` memoised for the scrape in progress: every family of one `metrics()` call sees the
   * value the first one read. Outside a scrape (a lone `get()`) it reads afresh each time.
   */
  perScrape<T>(read: () => T): () => T {
    let cached: { generation: number; value: T } | undefined;
    return () => {
      if (this.#active === 0) return read();
      if (cached?.generation !== this.#generation) {
        cached = { generation: this.#generation, value: read() };
      }
      return cached.value;
    };
  }
}

/** One sample as `get()` returns it; histogram samples name their series (`…_bucket`). */
interface Sample {
  value: number;
  labels: Partial<Record<string, string | number>>;
  metricName?: string;
}

function sampleLine(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels)
    .map(([label, value]) => `${label}="${escapeLabel(value)}"`)
    .join(",");
  return `${name}${labels ? `{${labels}}` : ""} ${valueText(sample.value)}`;
}

/** prom-client's spelling of special values, kept so the text matches its own byte for byte. */
function valueText(value: number): string {
  if (Number.isNaN(value)) return "Nan";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return `${value}`;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(value: string | number | undefined): string | number | undefined {
  return typeof value === "string" ? escapeHelp(value).replace(/"/g, '\\"') : value;
}
