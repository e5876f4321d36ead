import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import t from "tap";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

interface BenchJson {
  results: {
    id: string;
    ok: number;
    failures: Record<string, number>;
    verdictsPerSecond: number;
    serverCpuMicrosPerVerdict: number;
    overheadP50Ms: number | null;
    ratioToProxy: number | null;
    serverPageFaultsPerVerdict: number;
    cpuToJudgeProxy: number | null;
    cpuToPassThrough: number | null;
  }[];
}

// The runner end to end on a tiny budget: real sim, proxy and gateway processes, autocannon and
// grpc-js. Figures are not asserted (timing belongs to `npm run bench`), only that every
// scenario ran, answered without failures and was compared with its same-run baselines.
t.test("npm run bench runs its scenarios against same-run baselines", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "jurist-bench-smoke-"));
  const only = [
    "direct-fast-c1",
    "proxy-fast-c1",
    "pairwise-fast-swap-off-c1",
    "grpc-unary-fast-swap-off-c64",
    "batch-fast-swap-off-16x-c4",
    // Issue 21's photos: Jurist beside the minimal judge proxy and the byte pass-through.
    "pass-through-images-1-swap-off-c8",
    "judge-proxy-images-1-swap-off-c8",
    "images-1-swap-off-c8",
  ];
  const { stdout } = await run(
    process.execPath,
    [
      "--import=tsx",
      "loadtest/gateway/bench.ts",
      ...["--only", only.join(","), "--rounds", "1", "--seconds", "0.5"],
      ...["--warmup-seconds", "0.2", "--no-build", "--no-results-md", "--results-dir", dir],
    ],
    { cwd: ROOT, timeout: 120_000 },
  );
  const json = JSON.parse(readFileSync(join(dir, "bench.json"), "utf8")) as BenchJson;
  t.same(
    json.results.map((result) => result.id),
    only,
    "one result per chosen scenario",
  );
  for (const result of json.results) {
    t.ok(result.ok > 0, `${result.id}: answered`);
    t.same(result.failures, {}, `${result.id}: no failed request or item`);
    t.ok(result.serverCpuMicrosPerVerdict > 0, `${result.id}: server CPU measured`);
  }
  const pairwise = json.results.find((result) => result.id === "pairwise-fast-swap-off-c1")!;
  t.type(pairwise.overheadP50Ms, "number", "compared with the sim called directly");
  t.type(pairwise.ratioToProxy, "number", "and with the pass-through proxy");
  t.match(stdout, /\| pairwise, swap off, fast \| Jurist \| HTTP \| 1 \|/, "the Markdown table");
  const images = json.results.find((result) => result.id === "images-1-swap-off-c8")!;
  t.type(images.cpuToJudgeProxy, "number", "photos: compared with the minimal judge proxy");
  t.type(images.cpuToPassThrough, "number", "and with the byte pass-through");
  t.ok(images.serverPageFaultsPerVerdict > 0, "page faults per verdict measured");
  t.match(stdout, /\| pairwise, 1 photo .*\| Jurist \| 8 \|/, "the image table");
});
