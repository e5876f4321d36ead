import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";

/**
 * The gateway's request-path suites (HTTP, gRPC, rewards, the judge service, promotion and
 * the position-bias scenario) run again with every in-process simulated replica in the
 * simulator's vLLM mode (`JURIST_TEST_VLLM_VERSION`, test/helpers/gateway.ts) at two
 * releases: 0.10.1, before `structured_outputs` existed, and 0.12.0, after `guided_choice`
 * was removed. Each file runs in its own process, as tap runs it; a failing file fails this
 * test with its output.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const RELEASES = ["0.10.1", "0.12.0"];
const FOLDERS = ["test/src/http", "test/src/grpc", "test/src/reward", "test/src/judge"];
const SCENARIOS = [
  "test/scenarios/promotion/fleet-promotion.test.ts",
  "test/scenarios/judging/position-bias.test.ts",
];
/** These write to t.testdir(), which the same file's run in the main suite uses too. */
const SHARES_A_FIXTURE_DIR = new Set([
  "test/src/grpc/serve.test.ts",
  "test/src/judge/shadow-traffic.test.ts",
]);
/** Two files at a time: the main suite runs beside this one on the same cores. */
const CONCURRENCY = 2;

// This file runs some fifty suite files twice, each in its own process: minutes, not the two
// the project gives one file (package.json tap.timeout). Tells tap's runner so; each release's
// own subtest keeps its bound below.
t.setTimeout(1_800_000);

function suiteFiles(): string[] {
  const inFolders = FOLDERS.flatMap((folder) =>
    readdirSync(join(ROOT, folder))
      .filter((name) => name.endsWith(".test.ts"))
      .map((name) => `${folder}/${name}`),
  );
  return [...inFolders, ...SCENARIOS].filter((file) => !SHARES_A_FIXTURE_DIR.has(file)).sort();
}

function runFile(
  file: string,
  version: string,
): Promise<{ file: string; code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import=tsx", file], {
      cwd: ROOT,
      env: { ...process.env, JURIST_TEST_VLLM_VERSION: version, TAP_TIMEOUT: "300" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-20_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code) => resolve({ file, code: code ?? 1, output }));
  });
}

async function runAll(files: string[], version: string) {
  const results: Awaited<ReturnType<typeof runFile>>[] = [];
  const queue = [...files];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        results.push(await runFile(file, version));
      }
    }),
  );
  return results;
}

for (const version of RELEASES) {
  t.test(`the gateway's suites against vLLM ${version}`, { timeout: 1_200_000 }, async (t) => {
    const files = suiteFiles();
    t.ok(files.length >= 20, `${files.length} files`);
    const results = await runAll(files, version);
    for (const result of results) {
      t.equal(result.code, 0, result.file, result.code === 0 ? {} : { output: result.output });
    }
  });
}
