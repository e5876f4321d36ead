import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { request } from "undici";

const CLI = new URL("../../bin/jurist.js", import.meta.url).pathname;

function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env,
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: mkdtempSync(join(tmpdir(), "jurist-cli-data-")),
      ...env,
    },
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
  const { child, output } = startCli(["serve"], { PORT: "0", GRPC_PORT: "0" });
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

t.test("keys: create prints the key once and stores only its hash", async (t) => {
  const dataDir = t.testdir();
  const env = { JURIST_DATA_DIR: dataDir };
  const create = startCli(["keys", "create", "--tenant", "acme", "--scope", "admin"], env);
  const [code] = await once(create.child, "exit");
  t.equal(code, 0);
  const key = create.output().stdout.trim();
  t.match(key, /^jur_[A-Za-z0-9_-]{40,}$/);
  const { readFileSync } = await import("node:fs");
  const { hashApiKey } = await import("../../src/auth/api-key.ts");
  const stored = readFileSync(`${dataDir}/keys.json`, "utf8");
  t.notOk(stored.includes(key), "the plain key is not in the key file");
  t.ok(stored.includes(hashApiKey(key)), "its hash is");

  const list = startCli(["keys", "list"], env);
  await once(list.child, "exit");
  t.match(list.output().stdout, /key_[0-9a-f]+\tacme\tadmin/);
  t.notMatch(list.output().stdout, new RegExp(key));

  const bad = startCli(["keys", "create", "--tenant", "acme", "--scope", "root"], env);
  const [badCode] = await once(bad.child, "exit");
  t.equal(badCode, 2);
  t.match(bad.output().stderr, /--scope must be judge or admin/);
});
