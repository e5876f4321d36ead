import { parseArgs } from "node:util";
import { type Config, loadConfig } from "../config/config.ts";
import type { DoctorSettings } from "./doctor-check.ts";
import { renderDoctorTable } from "./doctor-table.ts";
import { createReplicaHttp } from "./replica-http.ts";
import { runDoctor } from "./run-doctor.ts";

export const DOCTOR_USAGE = `usage: jurist doctor --replica URL [--model NAME] [--api-key K] [--promotion lora|full] [--json]
  Checks one vLLM replica the way the gateway will use it (version and choice field, health,
  served models, logprobs, a constrained A/B verdict, verdict tokens, runtime LoRA routes, an
  image at the gateway's budget, routing metrics, keep-alive) and prints what to change.
  Settings (JURIST_TOP_LOGPROBS, JURIST_IMAGE_MAX_PIXELS, …) are read from the environment as
  \`jurist serve\` reads them; the key is JURIST_REPLICA_API_KEY's (--api-key overrides it,
  but a flag shows in \`ps\` and shell history).
  Exit 0 when everything Jurist needs holds, 1 naming each failure, 2 on a usage error.`;

const OPTIONS = {
  replica: { type: "string" },
  model: { type: "string" },
  "api-key": { type: "string" },
  promotion: { type: "string" },
  json: { type: "boolean" },
  "timeout-ms": { type: "string" },
} as const;

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (!values.replica) throw new UsageError("--replica is required");
  if (values.promotion && values.promotion !== "lora" && values.promotion !== "full") {
    throw new UsageError("--promotion is lora or full");
  }
  const timeoutMs = values["timeout-ms"] === undefined ? 120_000 : Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    throw new UsageError("--timeout-ms is a positive integer");
  return { ...values, replica: values.replica, timeoutMs };
}

/** The gateway's settings the doctor checks the replica against. */
export function doctorSettings(config: Config, promotion: "lora" | "full"): DoctorSettings {
  return {
    structuredOutputField: config.engine.structuredOutputField,
    topLogprobs: config.judge.topLogprobs,
    maxTokens: config.judge.maxTokens,
    keepAliveMs: config.engine.keepAliveMs,
    imageMaxPixels: config.images.maxPixels,
    imageMaxEdge: config.images.maxEdge,
    promotion,
    vllmPriority: config.engine.vllmPriority,
  };
}

/** `jurist doctor`: exit code 0 (all holds), 1 (a check failed) or 2 (usage). */
export async function runDoctorCommand(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  const config = loadConfig(env);
  const apiKey = options["api-key"] ?? config.engine.apiKey;
  const results = await runDoctor({
    http: createReplicaHttp({ baseUrl: options.replica, apiKey, timeoutMs: options.timeoutMs }),
    requestedModel: options.model,
    apiKeyGiven: Boolean(apiKey),
    settings: doctorSettings(config, (options.promotion ?? "lora") as "lora" | "full"),
    facts: {},
  });
  write(
    options.json
      ? `${JSON.stringify({ replica: options.replica, results }, null, 2)}\n`
      : renderDoctorTable(options.replica, results),
  );
  return results.some((result) => result.status === "fail") ? 1 : 0;
}
