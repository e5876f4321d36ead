import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import t, { type Test } from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { FROM_SOURCES, serveGateway } from "../../helpers/serve-process.ts";
import { spawnSim } from "../../helpers/sim-process.ts";

// The floor plan's promise (docs/architecture.md): a gateway in front of real replicas with
// the embedded trainer off loads no trainer, evaluation, gate or simulator code. Each module
// the `jurist serve` process loads is recorded by a loader hook, so an accidental static
// import anywhere on the path shows here as a loaded file.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RECORDER = fileURLToPath(new URL("../../helpers/record-loaded-modules.mjs", import.meta.url));

/** Repository-relative paths of the project's own modules a `jurist serve` process loaded. */
async function servedModules(t: Test, env: Record<string, string>): Promise<string[]> {
  const list = join(mkdtempSync(join(tmpdir(), "jurist-loaded-")), "modules.txt");
  const gateway = await serveGateway(
    t,
    { ...env, JURIST_TEST_LOADED_MODULES: list },
    [`--import=${RECORDER}`],
    FROM_SOURCES,
  );
  // One verdict over HTTP: the judging path's lazily loaded modules load too.
  const response = await fetch(`${gateway.url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(validPairwiseBody()),
  });
  t.equal(response.status, 200, "the gateway judged");
  await response.arrayBuffer();
  t.equal(await gateway.stop(), 0, "and stopped cleanly");
  return readFileSync(list, "utf8")
    .split("\n")
    .filter((url) => url.startsWith("file:") && !url.includes("/node_modules/"))
    .map((url) => relative(ROOT, fileURLToPath(url)));
}

const under = (folder: string) => (path: string) => path.startsWith(`${folder}/`);

t.test(
  "serve on real replicas, embedded trainer off: no trainer/ or sim/ module loads",
  async (t) => {
    const sims = await Promise.all([spawnSim(t), spawnSim(t)]);
    const loaded = await servedModules(t, {
      JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
      JURIST_TRAIN_EMBEDDED: "false",
    });
    // The recorder saw the gateway itself: otherwise an empty list would pass the checks below.
    for (const expected of [
      "src/cli.ts",
      "src/server.ts",
      "src/http/app.ts",
      "src/judge/judge-service.ts",
    ]) {
      t.ok(loaded.includes(expected), `${expected} loaded`);
    }
    t.strictSame(loaded.filter(under("trainer")), [], "no trainer/ module");
    t.strictSame(loaded.filter(under("sim")), [], "no sim/ module");
  },
);

t.test("the embedded default loads the simulator and the trainer it runs", async (t) => {
  const loaded = await servedModules(t, {
    JURIST_TRAIN_EMBEDDED: "true",
    JURIST_SIM_REPLICAS: "1",
  });
  t.ok(loaded.includes("sim/sim-server.ts"), "sim/ loaded for the simulated replicas");
  t.ok(
    loaded.includes("trainer/worker/embedded-trainer.ts"),
    "trainer/ loaded for the embedded trainer",
  );
});
