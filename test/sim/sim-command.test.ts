import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import t from "tap";
import { parseSimArgs } from "../../sim/sim-command.ts";

t.test("flags map onto options; defaults fill the rest", async (t) => {
  // biome-ignore format: flag-value pairs read better on shared lines
  const args = parseSimArgs([
    "--port", "9000", "--host", "0.0.0.0", "--seed", "5", "--accuracy", "0.7",
    "--position-bias", "0.2", "--latency-ms", "15", "--error-rate", "0.1",
    "--invalid-rate", "0.05", "--model", "judge-sim-small",
  ]);
  t.match(args, {
    kind: "start",
    host: "0.0.0.0",
    port: 9000,
    options: {
      seed: 5,
      accuracy: 0.7,
      positionBias: 0.2,
      latencyMs: 15,
      errorRate: 0.1,
      invalidRate: 0.05,
      modelId: "judge-sim-small",
      maxConcurrency: 64,
    },
  });
  t.match(parseSimArgs([]), {
    kind: "start",
    host: "127.0.0.1",
    port: 8000,
    options: { control: false },
  });
  t.match(parseSimArgs(["--control"]), { kind: "start", options: { control: true } });
  t.match(parseSimArgs(["--host", "127.0.0.2"]), { kind: "start", host: "127.0.0.2" });
  t.same(parseSimArgs(["--help"]), { kind: "help" });
});

t.test("bad flags list every problem", async (t) => {
  // biome-ignore format: flag-value pairs read better on shared lines
  const args = parseSimArgs([
    "--port",
    "70000",
    "--accuracy",
    "2",
    "--seed",
    "x",
    "--model",
    "gpt",
  ]);
  t.equal(args.kind, "invalid");
  const problems = args.kind === "invalid" ? args.problems.join("\n") : "";
  t.match(problems, /--port/);
  t.match(problems, /accuracy/);
  t.match(problems, /--seed: 'x' is not a number/);
  t.match(problems, /modelId/);
  t.match(parseSimArgs(["--nope"]), { kind: "invalid" });
  t.match(parseSimArgs(["serve"]), { kind: "invalid" }, "no positionals");
  t.match(parseSimArgs(["--latency-ms", ""]), { kind: "invalid" });
});

const SIM_MAIN = fileURLToPath(new URL("../../sim/sim-main.ts", import.meta.url));

function runCommand(args: string[]) {
  return spawn(process.execPath, ["--import=tsx", SIM_MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

t.test("jurist sim starts a SIMULATED replica and closes on SIGTERM", async (t) => {
  const child = runCommand(["--port", "0", "--seed", "3", "--log"]);
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let out = "";
  child.stdout.setEncoding("utf8");
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const match = /^jurist-sim listening on (http:\/\/127\.0\.0\.1:\d+) \(SIMULATED\)\n/.exec(
        out,
      );
      if (match) resolve(match[1]!);
    });
    child.once("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  t.equal((await fetch(`${url}/health`)).status, 200);
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  t.equal(code, 0);
  t.match(
    out,
    /^jurist-sim listening on http:\/\/127\.0\.0\.1:\d+ \(SIMULATED\)\n$/,
    "stdout holds the listening line alone; the rest goes to stderr",
  );
});

t.test("jurist sim exits 2 with a clear message on bad input", async (t) => {
  const child = runCommand(["--accuracy", "1.5"]);
  let err = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    err += chunk;
  });
  const [code] = await once(child, "exit");
  t.equal(code, 2);
  t.match(err, /accuracy/);
  t.match(err, /usage: jurist sim/);
});

t.test("vLLM mode flags map onto options", async (t) => {
  // biome-ignore format: flag-value pairs read better on shared lines
  const args = parseSimArgs([
    "--vllm-version", "0.11.0", "--api-key", "k", "--max-model-len", "8192", "--enable-lora",
    "--enable-runtime-lora", "--enable-prompt-tokens-details", "--eos-text", "</s>",
  ]);
  t.match(args, {
    kind: "start",
    options: {
      vllmVersion: "0.11.0",
      apiKey: "k",
      maxModelLen: 8192,
      enableLora: true,
      runtimeLoraUpdating: true,
      enablePromptTokensDetails: true,
      eosText: "</s>",
    },
  });
  const lenient = parseSimArgs([]);
  t.match(lenient, { kind: "start", options: { eosText: "<|im_end|>" } });
  t.equal(lenient.kind === "start" && lenient.options.vllmVersion, undefined);
  t.match(parseSimArgs(["--vllm-version", "latest"]), { kind: "invalid" });
});
