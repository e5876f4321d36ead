import { createServer } from "node:net";
import t from "tap";
import type { SimServerOptions } from "../../../sim/sim-server.ts";
import type { CheckResult } from "../../../src/doctor/doctor-check.ts";
import { runDoctorCommand } from "../../../src/doctor/doctor-command.ts";
import { startSims, type Teardown } from "../../helpers/gateway.ts";

/**
 * `jurist doctor` against the simulator's vLLM mode (sim/vllm/, which cites the vLLM source
 * each behaviour follows): exit 0 on a replica started as docs/deployment.md says, non-zero
 * naming the check on each misconfiguration.
 */

/** A replica started the documented way: runtime LoRA and prompt-token details on. */
const HEALTHY = {
  vllmVersion: "0.12.0",
  enableLora: true,
  runtimeLoraUpdating: true,
  enablePromptTokensDetails: true,
  maxModelLen: 16_384,
} as const;

/** The gateway's settings; a short keep-alive so the probe's wait stays short. */
const ENV = { JURIST_ENGINE_KEEP_ALIVE_MS: "1000" };

async function doctor(argv: string[], env: Record<string, string> = {}) {
  let out = "";
  const code = await runDoctorCommand([...argv, "--json"], { ...ENV, ...env }, (text) => {
    out += text;
  });
  const results = (JSON.parse(out) as { results: CheckResult[] }).results;
  const status = (check: string) => results.find((r) => r.check === check)?.status;
  const failed = results.filter((r) => r.status === "fail").map((r) => r.check);
  return {
    code,
    results,
    status,
    failed,
    row: (check: string) => results.find((r) => r.check === check)!,
  };
}

async function replica(t: Teardown, options: Partial<SimServerOptions>) {
  const [sim] = await startSims(t, 1, options);
  return sim!.url;
}

t.test("a replica started as documented passes every check", async (t) => {
  const url = await replica(t, HEALTHY);
  const report = await doctor(["--replica", url]);
  t.equal(report.code, 0);
  t.same(
    report.results.filter((r) => r.status !== "ok").map((r) => `${r.check}: ${r.result}`),
    [],
    "every check ok",
  );
  t.match(report.row("version").result, /0\.12\.0.*structured_outputs/);
  t.match(report.row("models").result, /judging with jurist-sim-judge, max_model_len 16384/);
  t.match(
    report.row("image budget").result,
    /fits: \d+ prompt \+ 1024 completion tokens of 16384; room for (\d+) such images/,
  );
});

t.test("an older release is checked with the field it has", async (t) => {
  const url = await replica(t, { ...HEALTHY, vllmVersion: "0.10.1" });
  const report = await doctor(["--replica", url]);
  t.equal(report.code, 0, report.failed.join(", "));
  t.match(report.row("version").result, /guided_choice \(chosen by version\)/);
  t.equal(report.status("constrained choice"), "ok");
});

t.test("the wrong choice field for the version: the answer is unconstrained", async (t) => {
  const url = await replica(t, HEALTHY);
  const report = await doctor(["--replica", url], {
    JURIST_STRUCTURED_OUTPUT_FIELD: "guided_choice",
  });
  t.equal(report.code, 1);
  t.same(report.failed, ["version", "constrained choice"]);
  t.match(report.row("version").fix, /JURIST_STRUCTURED_OUTPUT_FIELD=auto/);
  t.match(
    report.row("constrained choice").result,
    /outside \{A, B\}: the replica ignored guided_choice/,
  );
});

t.test("structured_outputs set explicitly against 0.10.2, which lacks it", async (t) => {
  const url = await replica(t, { ...HEALTHY, vllmVersion: "0.10.2" });
  const report = await doctor(["--replica", url], {
    JURIST_STRUCTURED_OUTPUT_FIELD: "structured_outputs",
  });
  t.same(report.failed, ["version", "constrained choice"]);
  t.match(report.row("version").fix, /=guided_choice/);
  const auto = await doctor(["--replica", url]);
  t.equal(auto.code, 0, "auto sends guided_choice there");
});

t.test("runtime LoRA routes off: fails for LoRA promotion, not for full checkpoints", async (t) => {
  const url = await replica(t, { ...HEALTHY, runtimeLoraUpdating: false });
  const lora = await doctor(["--replica", url]);
  t.equal(lora.code, 1);
  t.same(lora.failed, ["runtime LoRA"]);
  t.match(lora.row("runtime LoRA").fix, /VLLM_ALLOW_RUNTIME_LORA_UPDATING=True/);
  const routesWithoutLora = await replica(t, { ...HEALTHY, enableLora: false });
  const off = await doctor(["--replica", routesWithoutLora]);
  t.same(off.failed, ["runtime LoRA"], "routes registered but --enable-lora missing");
  t.match(off.row("runtime LoRA").result, /LoRA is not enabled/);
  t.match(off.row("runtime LoRA").fix, /--enable-lora/);
  const full = await doctor(["--replica", url, "--promotion", "full"]);
  t.equal(full.code, 0);
  t.equal(full.status("runtime LoRA"), "skip");
});

t.test("logprobs capped below the gateway's top_logprobs", async (t) => {
  const url = await replica(t, { ...HEALTHY, maxLogprobs: 3 });
  const report = await doctor(["--replica", url], { JURIST_TOP_LOGPROBS: "5" });
  t.equal(report.code, 1);
  t.same(report.failed, ["logprobs"]);
  t.match(report.row("logprobs").result, /greater than max allowed: 3/);
  t.match(report.row("logprobs").fix, /--max-logprobs 5/);
  t.equal(report.status("constrained choice"), "skip", "nothing more to learn from a refusal");
});

t.test("an API key required but not given, then given", async (t) => {
  const url = await replica(t, { ...HEALTHY, apiKey: "sesame" });
  const without = await doctor(["--replica", url]);
  t.equal(without.code, 1);
  t.ok(without.failed.includes("models"));
  t.match(without.row("models").fix, /JURIST_REPLICA_API_KEY/);
  t.equal(without.status("health"), "ok", "/health needs no key");
  const wrong = await doctor(["--replica", url, "--api-key", "guess"]);
  t.match(wrong.row("models").result, /refuses the API key/);
  const flag = await doctor(["--replica", url, "--api-key", "sesame"]);
  t.equal(flag.code, 0, flag.failed.join(", "));
  const env = await doctor(["--replica", url], { JURIST_REPLICA_API_KEY: "sesame" });
  t.equal(env.code, 0, "the gateway's own setting is the default key");
});

t.test("an image at the budget does not fit the replica's context", async (t) => {
  const url = await replica(t, { ...HEALTHY, maxModelLen: 2048 });
  const report = await doctor(["--replica", url]);
  t.equal(report.code, 1);
  t.same(report.failed, ["image budget"]);
  t.match(report.row("image budget").result, /leaves \d+ tokens for a verdict/);
  t.match(report.row("image budget").fix, /JURIST_IMAGE_MAX_PIXELS.*--max-model-len \(2048\)/);
  const smaller = await doctor(["--replica", url], {
    JURIST_IMAGE_MAX_PIXELS: String(28 * 28 * 256),
    JURIST_JUDGE_MAX_TOKENS: "512",
  });
  t.not(smaller.status("image budget"), "fail", smaller.row("image budget").result);
  const refusing = await replica(t, { ...HEALTHY, maxModelLen: 1024 });
  const refused = await doctor(["--replica", refusing]);
  t.same(refused.failed, ["image budget"]);
  t.match(refused.row("image budget").result, /refused \(400\): .*maximum context length is 1024/);
});

t.test("room for one image at the budget but not for the eight a verdict may carry", async (t) => {
  const url = await replica(t, { ...HEALTHY, maxModelLen: 8192 });
  const report = await doctor(["--replica", url]);
  t.equal(report.code, 0, "a warning, not a failure: fewer images per verdict work");
  t.equal(report.status("image budget"), "warn");
  t.match(
    report.row("image budget").result,
    /only [1-7] such images do, and a verdict may carry 8/,
  );
  const needed = Number(/--max-model-len to (\d+)/.exec(report.row("image budget").fix)?.[1]);
  t.ok(needed > 8192, `the fix names a context that fits eight: ${needed}`);
  const enough = await replica(t, { ...HEALTHY, maxModelLen: needed });
  t.equal((await doctor(["--replica", enough])).status("image budget"), "ok", "and it does");
});

t.test("a gateway keep-alive longer than the replica's idle timeout", async (t) => {
  const url = await replica(t, HEALTHY);
  const report = await doctor(["--replica", url], { JURIST_ENGINE_KEEP_ALIVE_MS: "6000" });
  t.equal(report.code, 1);
  t.same(report.failed, ["keep-alive"]);
  t.match(report.row("keep-alive").result, /closes idle connections after ~\d+ ms/);
  t.match(report.row("keep-alive").fix, /JURIST_ENGINE_KEEP_ALIVE_MS below/);
});

t.test("a replica that is not there fails first and skips the rest", async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const report = await doctor(["--replica", `http://127.0.0.1:${port}`]);
  t.equal(report.code, 1);
  t.same(report.failed, ["version"]);
  t.ok(report.results.slice(1).every((r) => r.status === "skip"));
});

t.test("usage errors exit 2", async (t) => {
  t.equal(await runDoctorCommand([], {}, () => {}), 2);
  t.equal(
    await runDoctorCommand(["--replica", "http://x", "--promotion", "blue"], {}, () => {}),
    2,
  );
});
