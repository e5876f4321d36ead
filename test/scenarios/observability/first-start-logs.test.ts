import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import t from "tap";
import { serveGateway } from "../../helpers/serve-process.ts";
import { within } from "../../helpers/shared-gateways.ts";

/**
 * The first `jurist serve` on a fresh data directory, as a new operator runs it (simulated
 * replicas, the embedded trainer on): nothing is logged at error. It once logged a level-50
 * `ENOENT worker.lease` because the trainer's directory did not exist yet.
 */
t.test("a first start on a fresh data directory logs no error", async (t) => {
  const gateway = await serveGateway(t, {
    JURIST_LOG_LEVEL: "info",
    JURIST_TRAIN_EMBEDDED: "auto",
  });
  // serveGateway gives each process a fresh data directory and logs into it.
  const lease = join(dirname(gateway.logFile), "trainer", "worker.lease");
  t.ok(
    await within(30_000, () => existsSync(lease)),
    "the embedded trainer took its lease in the new directory",
  );
  t.equal(await gateway.stop(), 0, "and stopped cleanly");

  const lines = readFileSync(gateway.logFile, "utf8")
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string });
  t.ok(lines.length > 0, "the process logged");
  t.same(
    lines.filter((line) => line.level >= 50),
    [],
    "no line at error or above",
  );
});
