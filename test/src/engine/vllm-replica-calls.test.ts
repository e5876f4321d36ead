import { Writable } from "node:stream";
import { pino } from "pino";
import t, { type Test } from "tap";
import { createPairwiseJudge } from "../../../src/core/pairwise-judge.ts";
import type { FleetObserver } from "../../../src/engine/fleet-types.ts";
import { NO_OBSERVER } from "../../../src/engine/fleet-types.ts";
import { createReplicaFleet, type ReplicaSnapshot } from "../../../src/engine/replica-fleet.ts";
import { replicaId } from "../../../src/engine/replica-id.ts";
import { VERSION_REFRESH_MS } from "../../../src/engine/replica-poller.ts";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import { createReplicaAdapters } from "../../../src/registry/replica-adapters.ts";
import { readiness } from "../../../src/runtime/readiness.ts";
import { type FleetSettingsOverrides, testFleetSettings } from "../../helpers/fleet-settings.ts";
import { type StandInOptions, startVllmStandIn } from "../../helpers/vllm-stand-in.ts";

/**
 * The engine against a real HTTP replica that behaves as vLLM does (test/helpers/
 * vllm-stand-in.ts names the vLLM files each behaviour follows): the choice field chosen from
 * `GET /version`, a replica that ignores the field reported, the API key on every call, and
 * cached prompt tokens read into verdicts.
 */

const SECRET = "sk-replica-secret-4242";

/** Log lines written by the fleet, as text (to look for warnings, and for the secret). */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

async function fleetOver(t: Test, replica: StandInOptions, overrides: FleetSettingsOverrides = {}) {
  const standIn = await startVllmStandIn(t, replica);
  const events: string[] = [];
  const observer: FleetObserver = {
    ...NO_OBSERVER,
    unconstrained: (url) => events.push(`unconstrained ${url}`),
    promptTokens: (_url, cached, computed) => events.push(`prompt ${cached}/${computed}`),
  };
  const { logger, lines } = capturedLogger();
  const fleet = createReplicaFleet({
    urls: [standIn.url],
    settings: testFleetSettings(overrides),
    logger,
    observer,
  });
  await fleet.start();
  t.teardown(() => fleet.close());
  const judge = createPairwiseJudge({
    engine: fleet,
    settings: {
      tieMargin: 0.1,
      temperature: 0,
      retryTemperature: 0.7,
      maxTokens: 64,
      topLogprobs: 5,
    },
  });
  const fast = () =>
    judge.judge({
      question: "Which answer names the colour?",
      images: [],
      responses: ["It is red.", "It is a car."],
      mode: "fast",
      swap: true,
    });
  return { standIn, fleet, fast, events, lines };
}

const choiceFields = (seen: { path: string; body: Record<string, unknown> | null }[]) =>
  seen
    .filter((r) => r.path === "/v1/chat/completions")
    .map((r) => (r.body && "guided_choice" in r.body ? "guided_choice" : "structured_outputs"));

t.test("auto: guided_choice to a release before structured_outputs existed", async (t) => {
  const { standIn, fleet, fast, events } = await fleetOver(t, { version: "0.10.1.1" });
  t.equal(fleet.snapshots()[0]?.version, "0.10.1.1", "the version was read on joining");
  const verdict = await fast();
  t.equal(verdict.outcome, "ok", "the constrained answers are read");
  t.same(choiceFields(standIn.seen), ["guided_choice", "guided_choice"]);
  t.notOk(events.some((e) => e.startsWith("unconstrained")));
  t.equal(fleet.snapshots()[0]?.unconstrained, null);
});

t.test("auto: structured_outputs to a release after guided_choice was removed", async (t) => {
  const { standIn, fast, events } = await fleetOver(t, { version: "0.12.0" });
  t.equal((await fast()).outcome, "ok");
  t.same(choiceFields(standIn.seen), ["structured_outputs", "structured_outputs"]);
  t.notOk(events.some((e) => e.startsWith("unconstrained")));
});

t.test("auto: an unreadable version gets structured_outputs and one warning", async (t) => {
  const { standIn, fleet, fast, lines } = await fleetOver(t, { version: "dev" });
  t.equal(fleet.snapshots()[0]?.choiceField, "structured_outputs");
  t.equal((await fast()).outcome, "ok", "the stand-in reads 'dev' as a current release");
  t.same(choiceFields(standIn.seen), ["structured_outputs", "structured_outputs"]);
  t.equal(lines.filter((l) => l.includes("replica version unreadable")).length, 1);
});

/** What a snapshot says of a replica's health and version. */
const versionOf = (fleet: { snapshots(): ReplicaSnapshot[] }) => {
  const { healthy, version, choiceField } = fleet.snapshots()[0]!;
  return { healthy, version, choiceField };
};
const versionReads = (seen: { path: string }[]) => seen.filter((r) => r.path === "/version").length;

t.test("auto: a /version that failed on joining is read again on the next poll", async (t) => {
  const { standIn, fleet, fast, lines } = await fleetOver(t, {
    version: "0.10.1",
    versionFailures: 1,
  });
  t.same(
    versionOf(fleet),
    { healthy: true, version: null, choiceField: "structured_outputs" },
    "the read on joining failed: healthy, with the fallback field",
  );
  await fleet.pollNow();
  t.same(
    versionOf(fleet),
    { healthy: true, version: "0.10.1", choiceField: "guided_choice" },
    "the next poll read it, and the field follows",
  );
  t.equal((await fast()).outcome, "ok");
  t.same(choiceFields(standIn.seen), ["guided_choice", "guided_choice"]);
  t.equal(lines.filter((l) => l.includes("replica version changed")).length, 1, "logged");
  t.equal(
    lines.filter((l) => l.includes("replica health changed")).length,
    1,
    "the replica joined once and never went unhealthy",
  );
  await fleet.pollNow();
  t.equal(versionReads(standIn.seen), 2, "a known version is not read on every poll");
});

t.test(
  "auto: a known version is read again after five minutes (upgraded behind one address)",
  async (t) => {
    const { standIn, fleet, lines } = await fleetOver(t, { version: "0.10.1" });
    t.equal(versionOf(fleet).choiceField, "guided_choice");
    standIn.setVersion("0.12.0");
    await fleet.pollNow();
    t.equal(versionOf(fleet).choiceField, "guided_choice", "not read again within five minutes");
    // Five minutes on: only the fleet's clock moves, for one poll.
    const now = Date.now;
    Date.now = () => now() + VERSION_REFRESH_MS;
    try {
      await fleet.pollNow();
    } finally {
      Date.now = now;
    }
    t.same(versionOf(fleet), {
      healthy: true,
      version: "0.12.0",
      choiceField: "structured_outputs",
    });
    t.equal(versionReads(standIn.seen), 2);
    t.equal(lines.filter((l) => l.includes("replica version changed")).length, 1);
  },
);

// Discovery churn: an address leaves and comes back. Had its log bookkeeping stayed (kept by
// URL, for every address ever seen), the returning replica would not be warned about anew.
const leaveAndComeBack = async (
  fleet: { setReplicaUrls(urls: string[]): Promise<void> },
  url: string,
) => {
  await fleet.setReplicaUrls([]);
  await fleet.setReplicaUrls([url]);
};

t.test("a replica that leaves takes its unreadable-version warning along", async (t) => {
  const { standIn, fleet, lines } = await fleetOver(t, { version: "dev" });
  const warnings = () => lines.filter((l) => l.includes("replica version unreadable")).length;
  t.equal(warnings(), 1);
  await leaveAndComeBack(fleet, standIn.url);
  t.equal(warnings(), 2, "the returning replica is a new one: warned of again");
});

t.test("a replica that leaves takes its unconstrained-answer warning time along", async (t) => {
  const { standIn, fleet, fast, lines } = await fleetOver(
    t,
    { version: "0.10.1", unconstrainedAnswer: "The" },
    { structuredOutputField: "structured_outputs" },
  );
  const warnings = () => lines.filter((l) => l.includes("outside its choices")).length;
  await fast();
  t.equal(warnings(), 1);
  await leaveAndComeBack(fleet, standIn.url);
  await fast();
  t.equal(warnings(), 2, "warned of again within the minute: it is a new replica");
});

t.test("a replica answering outside the choice is reported: metric, log, /readyz", async (t) => {
  // The setting overrides auto: structured_outputs to 0.10.1, which does not have it.
  const { standIn, fleet, fast, events, lines } = await fleetOver(
    t,
    { version: "0.10.1", unconstrainedAnswer: "The" },
    { structuredOutputField: "structured_outputs" },
  );
  const verdict = await fast();
  t.not(verdict.outcome, "ok", "the unconstrained answers could not be read");
  const unconstrained = events.filter((e) => e.startsWith("unconstrained"));
  t.ok(unconstrained.length >= 2, "every unconstrained answer counted");
  const snapshot = fleet.snapshots()[0]!;
  t.equal(snapshot.unconstrained?.count, unconstrained.length);
  t.equal(snapshot.unconstrained?.lastAnswer, "The");
  t.equal(snapshot.unconstrained?.field, "structured_outputs");
  const warnings = lines.filter((l) => l.includes("outside its choices"));
  t.equal(warnings.length, 1, "one warning however many answers (rate-limited per replica)");
  t.match(
    JSON.parse(warnings[0]!),
    { answer: "The", replica: standIn.url, replica_id: replicaId(standIn.url) },
    "the answer is logged, with the id /readyz shows",
  );
  const report = readiness({
    fleet,
    draining: () => false,
    stores: () => ({}),
  });
  t.equal(report.replicas[0]?.unconstrained?.count, unconstrained.length);
  t.notOk(
    "lastAnswer" in (report.replicas[0]?.unconstrained ?? {}),
    "readiness (the open /readyz) carries no model output",
  );
  t.equal(report.replicas[0]?.version, "0.10.1");
  t.equal(report.ready, true, "the replica still answers: a detail, not unreadiness");
});

t.test("JURIST_REPLICA_API_KEY: a bearer token on every call, never in the logs", async (t) => {
  const { standIn, fleet, fast, lines } = await fleetOver(
    t,
    { version: "0.11.0", apiKey: SECRET },
    { apiKey: SECRET },
  );
  t.equal(fleet.snapshots()[0]?.healthy, true, "/v1/models answered with the key");
  t.equal((await fast()).outcome, "ok");
  const adapters = createReplicaAdapters({ timeoutMs: 5_000, apiKey: SECRET });
  t.teardown(() => adapters.close());
  t.same(await adapters.load(standIn.url, "cand", "/weights/cand"), { ok: true });
  t.same(await adapters.unload(standIn.url, "cand"), { ok: true });
  const paths = new Set(standIn.seen.map((r) => r.path));
  for (const path of [
    "/health",
    "/v1/models",
    "/metrics",
    "/version",
    "/v1/chat/completions",
    "/v1/load_lora_adapter",
    "/v1/unload_lora_adapter",
  ]) {
    t.ok(paths.has(path), `${path} was called`);
  }
  t.same(
    standIn.seen.filter((r) => r.authorization !== `Bearer ${SECRET}`).map((r) => r.path),
    [],
    "every request carried the key",
  );
  t.notOk(
    lines.some((l) => l.includes(SECRET)),
    "the key appears in no log line",
  );
});

t.test("without the key a replica started with --api-key is unhealthy", async (t) => {
  const { fleet } = await fleetOver(t, { version: "0.11.0", apiKey: SECRET });
  const [snapshot] = fleet.snapshots();
  t.equal(snapshot?.healthy, false);
  t.match(snapshot?.lastError, /401/);
  const adapters = createReplicaAdapters({ timeoutMs: 5_000 });
  t.teardown(() => adapters.close());
  const load = await adapters.load(snapshot!.url, "cand", "/weights/cand");
  t.match(load, { ok: false, status: 401 });
});

t.test("cached prompt tokens: per call to the observer, summed per verdict", async (t) => {
  const { fast, events } = await fleetOver(t, { version: "0.11.0", promptTokensDetails: true });
  // Orders one after the other would share the prefix; at once, the stand-in caches only the
  // second to arrive. Either way the verdict holds both calls' tokens.
  const verdict = await fast();
  t.same(verdict.promptTokens, { total: 2_000, cached: 800 });
  t.same(events.filter((e) => e.startsWith("prompt")).sort(), ["prompt 0/1000", "prompt 800/200"]);
  const metrics = createMetrics();
  metrics.verdicts.record(verdict);
  const text = await metrics.registry.metrics();
  t.match(text, /jurist_verdict_prompt_cached_ratio_bucket\{le="0.4"\} 1/);
  t.match(text, /jurist_verdict_prompt_cached_ratio_bucket\{le="0.3"\} 0/);
});

t.test("without --enable-prompt-tokens-details nothing is cached, all computed", async (t) => {
  const { fast, events } = await fleetOver(t, { version: "0.11.0" });
  const verdict = await fast();
  t.same(verdict.promptTokens, { total: 2_000, cached: null });
  t.same(
    events.filter((e) => e.startsWith("prompt")),
    ["prompt 0/1000", "prompt 0/1000"],
  );
});
