import { spawn } from "node:child_process";
import { once } from "node:events";
import t from "tap";
import { request } from "undici";

const CLI = new URL("../bin/jurist.js", import.meta.url).pathname;

function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, JURIST_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return { child, output: () => ({ stdout, stderr }) };
}

async function waitFor(check: () => string | undefined, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = check();
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("timed out waiting for the CLI");
}

t.test("serve: starts on simulated replicas, prints a curl that returns a verdict", async (t) => {
  const { child, output } = startCli(["serve"], { PORT: "0" });
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  const curl = await waitFor(() => /curl -s (\S+) -H .* -d '(.*)'/.exec(output().stdout)?.[0]);
  t.match(output().stdout, /SIMULATED/, "says loudly that verdicts are simulated");
  const [, url, body] = /curl -s (\S+) -H .* -d '(.*)'/.exec(curl)!;
  const response = await request(url!, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  const verdict = (await response.body.json()) as { outcome: string; orders: unknown[] };
  t.equal(response.statusCode, 200);
  t.equal(verdict.outcome, "ok");
  t.equal(verdict.orders.length, 2, "both orders");

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  t.equal(code, 0, "exits cleanly on SIGTERM");
});

t.test("serve: bad configuration lists every problem and exits 2", async (t) => {
  const { child, output } = startCli(["serve"], { PORT: "nope", JURIST_TIE_MARGIN: "7" });
  const [code] = await once(child, "exit");
  t.equal(code, 2);
  t.match(output().stderr, /PORT/);
  t.match(output().stderr, /JURIST_TIE_MARGIN/);
});

t.test("unknown command: usage and exit 2", async (t) => {
  const { child, output } = startCli(["frobnicate"], {});
  const [code] = await once(child, "exit");
  t.equal(code, 2);
  t.match(output().stderr, /usage: jurist/);
});
