import { parseArgs } from "node:util";
import { type SimOptions, simOptionsSchema } from "./sim-options.ts";
import { startSimServer } from "./sim-server.ts";

export const SIM_USAGE = `usage: jurist sim [--port 8000] [--host 127.0.0.1] [--seed S] [--accuracy A]
                 [--position-bias B] [--length-bias L] [--generator-accuracy G]
                 [--generator-noise low|high] [--latency-ms L]
                 [--error-rate E] [--invalid-rate I] [--max-concurrency C]
                 [--model M] [--world-key K] [--control] [--log]
                 [--vllm-version X.Y.Z] [--api-key K] [--max-model-len N]
                 [--enable-lora] [--enable-runtime-lora] [--enable-prompt-tokens-details]
                 [--eos-text T] [--scheduling-policy fcfs|priority] [--vllm-use-v1 0|1]

Runs one SIMULATED vLLM replica (OpenAI-compatible API). Its verdicts are not a real judge's.
When listening it prints one line to stdout: jurist-sim listening on URL (SIMULATED); logs
go to stderr. --host may be any loopback address (127.0.0.2, ...), so several replicas can
share a port. --control enables GET/POST /control to change latency_ms, error_rate,
invalid_rate, accuracy, category_accuracy, position_bias, healthy, stall, model_id and
max_concurrency live.

--vllm-version X.Y.Z answers as that vLLM release does (docs/simulator.md, "vLLM mode"):
/version, only the constrained-choice field it has, byte-level logprob tokens with the EOS
text (--eos-text, default <|im_end|>), -9999.0 for masked alternatives, 5 s idle keep-alive,
LoRA off unless --enable-lora and --enable-runtime-lora (vLLM's
VLLM_ALLOW_RUNTIME_LORA_UPDATING), cached_tokens with --enable-prompt-tokens-details.
--api-key guards /v1/*; --max-model-len refuses longer prompts, images counted by pixels;
--max-logprobs N refuses a request asking more top_logprobs (vLLM's default 20).
--scheduling-policy priority serves waiting requests by their "priority" (lower first); under
fcfs (the default) a non-zero priority is refused as the release refuses it (V0, or V1 before
0.9.2; --vllm-use-v1 0 picks V0 below 0.11.0) or ignored (V1 from 0.9.2).`;

/** vLLM's default port. */
const DEFAULT_PORT = 8000;

/** Numeric flags and the option each sets. */
const NUMERIC_FLAGS = {
  seed: "seed",
  accuracy: "accuracy",
  "position-bias": "positionBias",
  "length-bias": "lengthBias",
  "generator-accuracy": "generatorAccuracy",
  "latency-ms": "latencyMs",
  "error-rate": "errorRate",
  "invalid-rate": "invalidRate",
  "max-concurrency": "maxConcurrency",
  "max-model-len": "maxModelLen",
  "max-logprobs": "maxLogprobs",
} as const;

/** Boolean flags and the option each turns on. */
const BOOLEAN_FLAGS = {
  control: "control",
  "enable-lora": "enableLora",
  "enable-runtime-lora": "runtimeLoraUpdating",
  "enable-prompt-tokens-details": "enablePromptTokensDetails",
} as const;

/** The result of reading the command line: what to start, help, or every problem found. */
export type SimArgs =
  | { kind: "start"; host: string; port: number; logger: boolean; options: SimOptions }
  | { kind: "help" }
  | { kind: "invalid"; problems: string[] };

function toNumber(flag: string, raw: string, problems: string[]): number | undefined {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (Number.isFinite(value)) return value;
  problems.push(`--${flag}: '${raw}' is not a number`);
  return undefined;
}

function readPort(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = toNumber("port", raw, problems);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    problems.push(`--port: '${raw}' is not a port (0 to 65535)`);
  }
  return port ?? DEFAULT_PORT;
}

/**
 * Reads `jurist sim` flags; never throws. vLLM's environment variables for the same settings
 * (VLLM_ALLOW_RUNTIME_LORA_UPDATING, VLLM_API_KEY) are not read: every variable the
 * repository reads is declared in src/config, and these are flags here.
 */
export function parseSimArgs(argv: string[]): SimArgs {
  const string = { type: "string" } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(NUMERIC_FLAGS).map((flag) => [flag, string])),
        port: string,
        host: string,
        model: string,
        "world-key": string,
        "generator-noise": string,
        "vllm-version": string,
        "api-key": string,
        "eos-text": string,
        "scheduling-policy": string,
        "vllm-use-v1": string,
        log: { type: "boolean" },
        ...Object.fromEntries(
          Object.keys(BOOLEAN_FLAGS).map((flag) => [flag, { type: "boolean" }]),
        ),
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    return { kind: "invalid", problems: [(error as Error).message] };
  }
  if (values.help) return { kind: "help" };
  const problems: string[] = [];
  const options: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(NUMERIC_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === "string") options[key] = toNumber(flag, raw, problems);
  }
  if (typeof values.model === "string") options.modelId = values.model;
  if (typeof values["world-key"] === "string") options.worldKey = values["world-key"];
  if (typeof values["generator-noise"] === "string")
    options.generatorNoise = values["generator-noise"];
  for (const [flag, key] of Object.entries(BOOLEAN_FLAGS)) {
    if (values[flag] === true) options[key] = true;
  }
  const vllmVersion = values["vllm-version"];
  if (typeof vllmVersion === "string") options.vllmVersion = vllmVersion;
  if (typeof values["api-key"] === "string") options.apiKey = values["api-key"];
  if (typeof values["eos-text"] === "string") options.eosText = values["eos-text"];
  if (typeof values["scheduling-policy"] === "string") {
    options.schedulingPolicy = values["scheduling-policy"];
  }
  const useV1 = values["vllm-use-v1"];
  if (typeof useV1 === "string") {
    if (useV1 === "0" || useV1 === "1") options.vllmUseV1 = useV1 === "1";
    else problems.push(`--vllm-use-v1: '${useV1}' is not 0 or 1 (vLLM's VLLM_USE_V1)`);
  }
  const port = readPort(values.port as string | undefined, problems);
  const checked = simOptionsSchema.safeParse(options);
  if (!checked.success) {
    for (const issue of checked.error.issues) {
      problems.push(`${issue.path.join(".") || "options"}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !checked.success) return { kind: "invalid", problems };
  const host = typeof values.host === "string" ? values.host : "127.0.0.1";
  return { kind: "start", host, port, logger: values.log === true, options: checked.data };
}

/** The line `jurist sim` prints to stdout once listening; tests and scripts wait for it. */
export function listeningLine(url: string): string {
  return `jurist-sim listening on ${url} (SIMULATED)`;
}

/** Resolves on the first SIGINT or SIGTERM; a second one gets Node's default (exit at once). */
function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/**
 * `jurist sim`: starts one simulated replica, prints `listeningLine` to stdout, and resolves
 * once it has closed on SIGINT or SIGTERM (held stalled requests are dropped, so this ends).
 * Bad flags print every problem and the usage to stderr and set exit code 2.
 */
export async function runSimCommand(argv: string[]): Promise<void> {
  const args = parseSimArgs(argv);
  if (args.kind === "help") {
    process.stdout.write(`${SIM_USAGE}\n`);
    return;
  }
  if (args.kind === "invalid") {
    process.stderr.write(`jurist sim: ${args.problems.join("\n  ")}\n\n${SIM_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startSimServer({
    ...args.options,
    host: args.host,
    port: args.port,
    logger: args.logger,
  });
  const stopped = nextStopSignal();
  process.stdout.write(`${listeningLine(server.url)}\n`);
  const { modelId, seed, accuracy, positionBias, control, vllmVersion } = args.options;
  process.stderr.write(
    `jurist sim: SIMULATED vLLM engine (not a real judge): model ${modelId}, seed ${seed}, ` +
      `accuracy ${accuracy}, position bias ${positionBias}, control ${control ? "on" : "off"}, ` +
      `${vllmVersion ? `answering as vLLM ${vllmVersion}` : "lenient (no vLLM release)"}\n`,
  );
  const signal = await stopped;
  process.stderr.write(`jurist sim: ${signal}: closing the simulated engine\n`);
  await server.close();
}
