import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { ConfigError, loadConfig } from "../../../src/config/config.ts";

t.test("defaults match docs/configuration.md", async (t) => {
  const config = loadConfig({});
  t.equal(config.host, "127.0.0.1");
  t.equal(config.port, 8080);
  t.equal(config.grpcPort, 50051);
  t.equal(config.engine.backends, undefined);
  t.equal(config.sim.replicas, 2);
  t.equal(config.redisUrl, undefined);
  t.equal(config.dataDir, "./data");
  t.equal(config.images.maxBytes, 20 * 1024 * 1024);
  t.equal(config.judge.tieMargin, 0.1);
});

t.test("coerces and splits environment strings", async (t) => {
  const config = loadConfig({
    PORT: "9090",
    JURIST_BACKENDS: "http://a:8000, http://b:8000",
    JURIST_IMAGE_FETCH_ALLOW: "127.0.0.1,10.0.0.0/8",
    JURIST_ALLOW_SIMULATED: "false",
  });
  t.equal(config.port, 9090);
  t.same(config.engine.backends, [
    { kind: "static", url: "http://a:8000" },
    { kind: "static", url: "http://b:8000" },
  ]);
  t.same(config.images.allow, ["127.0.0.1", "10.0.0.0/8"]);
  t.equal(config.sim.allowed, false);
});

t.test("DNS backends: every address of the name is a replica", async (t) => {
  const config = loadConfig({ JURIST_BACKENDS: "dns+http://vllm-headless:8000,http://c:9000" });
  t.same(config.engine.backends, [
    { kind: "dns", protocol: "http", hostname: "vllm-headless", port: 8000 },
    { kind: "static", url: "http://c:9000" },
  ]);
  t.throws(() => loadConfig({ JURIST_BACKENDS: "http://a:8000/v1" }), /without path/);
  t.throws(() => loadConfig({ JURIST_BACKENDS: "dns+ftp://x:1" }), /unsupported scheme/);
});

t.test("lists every problem at once", async (t) => {
  const error = t.throws(() =>
    loadConfig({ PORT: "x", JURIST_BACKENDS: "ftp://a", JURIST_TIE_MARGIN: "2" }),
  ) as ConfigError;
  t.ok(error instanceof ConfigError);
  const names = error.problems.map((problem) => problem.split(":")[0]);
  t.ok(names.includes("PORT"));
  t.ok(names.some((name) => name?.startsWith("JURIST_BACKENDS")));
  t.ok(names.includes("JURIST_TIE_MARGIN"));
});

t.test("is frozen", async (t) => {
  const config = loadConfig({});
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.judge));
  t.throws(() => {
    (config.judge as { tieMargin: number }).tieMargin = 0.3;
  });
});

t.test("reads a JSON file, the environment wins", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "jurist-config-"));
  const file = join(dir, "jurist.json");
  writeFileSync(file, JSON.stringify({ PORT: 7000, JURIST_TIE_MARGIN: 0.2 }));
  const config = loadConfig({ JURIST_CONFIG: file, PORT: "7001" });
  t.equal(config.port, 7001);
  t.equal(config.judge.tieMargin, 0.2);
});

t.test("a config file with unknown keys or bad JSON fails clearly", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "jurist-config-"));
  const unknown = join(dir, "unknown.json");
  writeFileSync(unknown, JSON.stringify({ PORTT: 1 }));
  t.throws(() => loadConfig({ JURIST_CONFIG: unknown }), /unknown key PORTT/);
  const broken = join(dir, "broken.json");
  writeFileSync(broken, "{ nope");
  t.throws(() => loadConfig({ JURIST_CONFIG: broken }), /is not JSON/);
  t.throws(() => loadConfig({ JURIST_CONFIG: join(dir, "missing.json") }), /cannot read/);
});

t.test("the tunables that were constants, and gRPC's own limits", async (t) => {
  const defaults = loadConfig({});
  t.equal(defaults.engine.hedge.minSamples, 50);
  t.equal(defaults.collection.maxBatch, 100);
  t.equal(defaults.shadow.maxInFlight, 16);
  t.equal(
    defaults.grpc.maxMessageBytes,
    169_869_440,
    "its own default, sized for images as bytes (test/src/config/body-limit.test.ts)",
  );
  t.equal(defaults.grpc.requestTimeoutMs, undefined, "unset: HTTP's request timeout");
  const set = loadConfig({
    JURIST_HEDGE_MIN_SAMPLES: "20",
    JURIST_COLLECT_MAX_BATCH: "500",
    JURIST_SHADOW_MAX_IN_FLIGHT: "4",
    JURIST_GRPC_MAX_MESSAGE_BYTES: "1048576",
    JURIST_GRPC_REQUEST_TIMEOUT_MS: "5000",
    JURIST_BODY_LIMIT_BYTES: "1000",
    JURIST_REQUEST_TIMEOUT_MS: "100",
  });
  t.equal(set.engine.hedge.minSamples, 20);
  t.equal(set.collection.maxBatch, 500);
  t.equal(set.shadow.maxInFlight, 4);
  t.equal(set.grpc.maxMessageBytes, 1_048_576, "independent of JURIST_BODY_LIMIT_BYTES");
  t.equal(set.grpc.requestTimeoutMs, 5_000, "independent of JURIST_REQUEST_TIMEOUT_MS");
  const error = t.throws(() =>
    loadConfig({
      JURIST_HEDGE_MIN_SAMPLES: "513",
      JURIST_COLLECT_MAX_BATCH: "0",
      JURIST_SHADOW_MAX_IN_FLIGHT: "-1",
      JURIST_GRPC_MAX_MESSAGE_BYTES: "x",
      JURIST_GRPC_REQUEST_TIMEOUT_MS: "0",
    }),
  ) as ConfigError;
  t.same(error.problems.map((problem) => problem.split(":")[0]).sort(), [
    "JURIST_COLLECT_MAX_BATCH",
    "JURIST_GRPC_MAX_MESSAGE_BYTES",
    "JURIST_GRPC_REQUEST_TIMEOUT_MS",
    "JURIST_HEDGE_MIN_SAMPLES",
    "JURIST_SHADOW_MAX_IN_FLIGHT",
  ]);
});
