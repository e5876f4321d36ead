import { Counter, Gauge, Histogram, Registry } from "prom-client";
import t from "tap";
import { YieldingRegistry } from "../../../src/metrics/yielding-registry.ts";

/** A registry with every kind of sample prom-client formats, escapes and special values. */
function populated(): YieldingRegistry {
  const registry = new YieldingRegistry();
  const registers = [registry];
  const counter = new Counter({
    name: "t_requests_total",
    help: 'Help with a \\ backslash,\na newline and "quotes"',
    labelNames: ["route", "outcome"],
    registers,
  });
  counter.inc({ route: '/a"b\\c\nd', outcome: "ok" }, 3);
  counter.inc({ route: "/plain", outcome: "error" });
  new Counter({ name: "t_unlabelled_total", help: "never incremented", registers });
  const gauge = new Gauge({ name: "t_gauge", help: "g", labelNames: ["k"], registers });
  gauge.set({ k: "nan" }, Number.NaN);
  gauge.set({ k: "inf" }, Number.POSITIVE_INFINITY);
  gauge.set({ k: "-inf" }, Number.NEGATIVE_INFINITY);
  gauge.set({ k: "small" }, 1e-7);
  const histogram = new Histogram({
    name: "t_seconds",
    help: "h",
    labelNames: ["replica"],
    buckets: [0.1, 1, 10],
    registers,
  });
  for (let replica = 0; replica < 500; replica++) {
    histogram.observe({ replica: `http://10.0.0.${replica}:8000` }, replica / 100);
  }
  new Histogram({ name: "t_empty_seconds", help: "no observations", registers });
  return registry;
}

t.test("the text is prom-client's own, byte for byte", async (t) => {
  const registry = populated();
  const stock = await Registry.prototype.metrics.call(registry);
  t.equal(await registry.metrics(), stock);
});

t.test("a large scrape lets other work run while it serialises", async (t) => {
  const registry = new YieldingRegistry();
  const histogram = new Histogram({
    name: "t_large_seconds",
    help: "h",
    labelNames: ["replica"],
    registers: [registry],
  });
  for (let replica = 0; replica < 2_000; replica++)
    histogram.observe({ replica: `r${replica}` }, 1);
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  const text = await registry.metrics();
  done = true;
  t.ok(text.split("\n").length > 25_000, "about 28k lines");
  t.ok(turns > 1, `the event loop turned ${turns} times during one scrape`);
});

t.test("perScrape reads once per scrape, afresh outside one", async (t) => {
  const registry = new YieldingRegistry();
  let reads = 0;
  const read = registry.perScrape(() => ++reads);
  for (const name of ["t_one", "t_two", "t_three"]) {
    new Gauge({
      name,
      help: "g",
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
  const first = await registry.metrics();
  t.equal(reads, 1, "three families, one read");
  t.match(first, /^t_three 1$/m);
  await registry.metrics();
  t.equal(reads, 2, "the next scrape reads again");
  t.equal(read(), 3, "a read outside a scrape is fresh");
});
