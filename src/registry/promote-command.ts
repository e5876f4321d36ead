import { parseArgs } from "node:util";
import { request } from "undici";
import { type Config, loadConfig } from "../config/config.ts";

export const PROMOTE_USAGE = `usage: jurist promote <checkpoint> [--expected C] [--gateway URL]
       jurist rollback [--expected C] [--gateway URL]
  Asks a running gateway (POST /v1/admin/promote or /v1/admin/rollback) to stage the
  checkpoint on the replicas and switch the champion by compare-and-set once its quorum
  (JURIST_PROMOTION_QUORUM) lists it, naming the replicas it switched without; --expected
  makes it a CONFLICT unless C is the champion. --gateway defaults to http://HOST:PORT; JURIST_API_KEY
  holds an admin key when the gateway requires one.`;

type Action = "promote" | "rollback";

class UsageError extends Error {}

/** What one call needs: the admin request and where to send it. */
interface AdminCall {
  url: string;
  body: { checkpoint?: string; expected_champion?: string };
}

const OPTIONS = { expected: { type: "string" }, gateway: { type: "string" } } as const;

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${PROMOTE_USAGE}`);
  }
}

function parse(action: Action, argv: string[], config: Config): AdminCall {
  const { values, positionals } = parseFlags(argv);
  if (positionals.length !== (action === "promote" ? 1 : 0)) throw new UsageError(PROMOTE_USAGE);
  const body: AdminCall["body"] = {};
  if (action === "promote") body.checkpoint = positionals[0]!;
  if (values.expected !== undefined) body.expected_champion = values.expected;
  const gateway = (values.gateway ?? defaultGateway(config)).replace(/\/+$/, "");
  return { url: `${gateway}/v1/admin/${action}`, body };
}

/** The gateway this configuration serves on, reached over loopback when it binds everywhere. */
function defaultGateway(config: Config): string {
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host === "::" ? "::1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

/**
 * `jurist promote ID` / `jurist rollback`: calls the admin API of a running gateway instead of
 * opening the stores and replicas itself. In the embedded default the simulated replicas and
 * the registry live inside the `serve` process (a second process would start replicas of its
 * own and write a registry file the gateway never rereads); with Redis and real replicas the
 * gateway reaches the same replicas and every other gateway follows the registry's event.
 * `env` supplies the configuration and JURIST_API_KEY.
 */
export async function runPromoteCommand(
  action: Action,
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const config = loadConfig(env);
  let call: AdminCall;
  try {
    call = parse(action, argv, config);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const key = env.JURIST_API_KEY;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(call.url, {
      method: "POST",
      body: JSON.stringify(call.body),
      headers: {
        "content-type": "application/json",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      // Staging may take the whole load timeout before the gateway answers.
      headersTimeout: config.gates.loadTimeoutMs + 30_000,
    });
  } catch (error) {
    process.stderr.write(
      `jurist ${action}: cannot reach the gateway at ${call.url} (${(error as Error).message}); is jurist serve running? (--gateway URL)\n`,
    );
    process.exitCode = 1;
    return;
  }
  report(action, response.statusCode, await response.body.text());
}

interface AdminAnswer {
  champion?: string;
  previous?: string | null;
  missing?: { replica: string; url: string; reason: string }[];
  error?: { code: string; message: string; details?: { path?: string; reason: string }[] };
}

function report(action: Action, status: number, text: string): void {
  let body: AdminAnswer;
  try {
    body = JSON.parse(text);
  } catch {
    body = {};
  }
  if (status === 200 && body.champion) {
    process.stdout.write(`champion: ${body.champion} (was ${body.previous ?? "unset"})\n`);
    const missing = body.missing ?? [];
    if (missing.length > 0) {
      // The switch reached its quorum without these: say so, on stderr, but it succeeded.
      const lines = missing.map((m) => `\n  ${m.replica} ${m.url}: ${m.reason}`).join("");
      process.stderr.write(
        `jurist ${action}: switched without ${missing.length} replica(s); the reconcile loop loads it there once they are healthy:${lines}\n`,
      );
    }
    return;
  }
  const error = body.error ?? { code: String(status), message: text.slice(0, 500) };
  const details = (error.details ?? []).map((d) => `\n  ${d.path ?? ""}: ${d.reason}`).join("");
  process.stderr.write(`jurist ${action} failed: ${error.code}: ${error.message}${details}\n`);
  process.exitCode = 1;
}
