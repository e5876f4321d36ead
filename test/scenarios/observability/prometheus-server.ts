import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Teardown } from "../../helpers/gateway.ts";

/** What `/api/v1/query` answers: `status` is `success` or `error` (with `error` set). */
export interface QueryAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: unknown }[] };
}

/** One rule as `/api/v1/rules` lists it. */
export interface LoadedRule {
  name: string;
  query: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  annotations: Record<string, string>;
}

export interface TestPrometheus {
  url: string;
  /** An instant query at the present moment. */
  query(expr: string): Promise<QueryAnswer>;
  /** Every rule Prometheus loaded, over all groups. */
  rules(): Promise<LoadedRule[]>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function waitForReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited (${child.exitCode}):\n${log()}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`prometheus was not ready within 20 s:\n${log()}`);
}

/**
 * Starts Debian's `prometheus` (on PATH) on a free loopback port with `config` (YAML; JSON
 * is YAML too) and a throwaway TSDB; it is stopped and its files removed when the test ends.
 */
export async function startPrometheus(t: Teardown, config: string): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "jurist-prometheus-"));
  const configPath = join(dir, "prometheus.yml");
  writeFileSync(configPath, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    "prometheus",
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await Promise.race([once(child, "exit"), sleep(5_000)]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForReady(url, child, () => output);

  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    return (await response.json()) as T;
  };
  return {
    url,
    query: (expr) => api<QueryAnswer>(`/api/v1/query?query=${encodeURIComponent(expr)}`),
    async rules() {
      const answer = await api<{ data: { groups: { rules: LoadedRule[] }[] } }>("/api/v1/rules");
      return answer.data.groups.flatMap((group) => group.rules);
    },
  };
}
