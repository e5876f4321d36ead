import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { request } from "undici";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { modelsOf, writeAdapter } from "../../scenarios/promotion/promotion-fixtures.ts";

const CLI = new URL("../../../bin/jurist.js", import.meta.url).pathname;
const BASE = "jurist-sim-judge";

/** Runs `jurist ...args` to completion; never rejects. */
function jurist(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? "", JURIST_LOG_LEVEL: "warn", ...env } },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
  });
}

t.test("jurist promote / rollback go through the running gateway's admin API", async (t) => {
  const sims = await startSims(t, 2);
  const gateway = await buildGateway(
    t,
    { JURIST_BACKENDS: sims.map((s) => s.url).join(","), JURIST_AUTH: "required" },
    { listen: true },
  );
  const admin = generateApiKey("ops", "admin");
  await gateway.runtime.stores.keys.add(admin.record);
  const { port } = new URL(gateway.url);
  const env = { HOST: "127.0.0.1", PORT: port, JURIST_API_KEY: admin.plain };
  await gateway.runtime.admin.register({
    id: "lora-cli",
    kind: "lora",
    baseModel: BASE,
    uri: writeAdapter(t.testdir({}), "lora-cli"),
    parent: BASE,
  });

  const promoted = await jurist(["promote", "lora-cli", "--expected", BASE], env);
  t.equal(promoted.code, 0, promoted.stderr);
  t.equal(promoted.stdout, `champion: lora-cli (was ${BASE})\n`, "the gateway from HOST/PORT");
  for (const sim of sims) t.ok((await modelsOf(sim.url)).includes("lora-cli"), "loaded");
  t.equal(gateway.runtime.fleet.champion(), "lora-cli", "the gateway serves it");

  const conflict = await jurist(["rollback", "--expected", BASE, "--gateway", gateway.url], env);
  t.equal(conflict.code, 1);
  t.match(conflict.stderr, "jurist rollback failed: CONFLICT");
  t.match(conflict.stderr, "the champion is lora-cli", "with the details");

  const anonymous = await jurist(["rollback"], { ...env, JURIST_API_KEY: "" });
  t.equal(anonymous.code, 1);
  t.match(anonymous.stderr, "UNAUTHENTICATED", "an admin key is needed");

  const rolledBack = await jurist(["rollback", "--expected", "lora-cli"], env);
  t.equal(rolledBack.code, 0, rolledBack.stderr);
  t.equal(rolledBack.stdout, `champion: ${BASE} (was lora-cli)\n`);
  t.equal(gateway.runtime.fleet.champion(), BASE);
});

t.test("jurist promote names the replicas a quorum switch went ahead without", async (t) => {
  const sims = await startSims(t, 3);
  const gateway = await buildGateway(
    t,
    { JURIST_BACKENDS: sims.map((s) => s.url).join(","), JURIST_PROMOTION_QUORUM: "0.5" },
    { listen: true },
  );
  await gateway.runtime.admin.register({
    id: "lora-q",
    kind: "lora",
    baseModel: BASE,
    uri: writeAdapter(t.testdir({}), "lora-q"),
    parent: BASE,
  });
  sims[1]!.setOptions({ healthy: false });
  await gateway.runtime.fleet.pollNow();

  const promoted = await jurist(["promote", "lora-q", "--gateway", gateway.url], {});
  t.equal(promoted.code, 0, "a switch at quorum succeeds");
  t.equal(promoted.stdout, `champion: lora-q (was ${BASE})\n`);
  t.match(promoted.stderr, "switched without 1 replica(s)");
  t.match(
    promoted.stderr,
    `${replicaId(sims[1]!.url)} ${sims[1]!.url}: down`,
    "named by id and URL",
  );
});

t.test("usage errors exit 2; an unreachable gateway says so", async (t) => {
  const missing = await jurist(["promote"], {});
  t.equal(missing.code, 2);
  t.match(missing.stderr, "usage: jurist promote <checkpoint>");
  const unreachable = await jurist(["rollback", "--gateway", "http://127.0.0.1:9"], {});
  t.equal(unreachable.code, 1);
  t.match(unreachable.stderr, "cannot reach the gateway at http://127.0.0.1:9/v1/admin/rollback");
});

t.test("in the embedded default the replicas live in serve: promote reaches them", async (t) => {
  const serve = spawn(process.execPath, [CLI, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      GRPC_PORT: "0",
      JURIST_LOG_LEVEL: "warn",
      JURIST_TRAIN_EMBEDDED: "false",
      JURIST_DATA_DIR: t.testdir({}),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.teardown(async () => {
    if (serve.exitCode !== null) return;
    serve.kill("SIGKILL");
    await once(serve, "exit");
  });
  let stdout = "";
  serve.stdout.setEncoding("utf8");
  const url = await new Promise<string>((resolve) => {
    serve.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const match = /Jurist listens on (\S+)\./.exec(stdout);
      if (match) resolve(match[1]!);
    });
  });
  const adapters = mkdtempSync(join(tmpdir(), "jurist-adapters-"));
  const registered = await request(`${url}/v1/admin/checkpoints`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: "lora-embedded",
      kind: "lora",
      base_model: BASE,
      uri: writeAdapter(adapters, "lora-embedded"),
    }),
  });
  t.equal(registered.statusCode, 201, await registered.body.text());

  const promoted = await jurist(["promote", "lora-embedded", "--gateway", url], {});
  t.equal(promoted.code, 0, promoted.stderr);
  t.equal(promoted.stdout, `champion: lora-embedded (was ${BASE})\n`);
  const verdict = await request(`${url}/v1/judge/pairwise`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question: "Which is right?", responses: ["Two cats.", "One dog."] }),
  });
  const body = (await verdict.body.json()) as { checkpoint: string };
  t.equal(body.checkpoint, "lora-embedded", "the embedded replicas serve the new champion");
});
