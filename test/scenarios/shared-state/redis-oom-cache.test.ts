import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pino } from "pino";
import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { startRedis } from "../../helpers/redis-server.ts";
import { within } from "../../helpers/shared-gateways.ts";

const cli = promisify(execFile);

/** The value of one series in Prometheus text, 0 when absent. */
function series(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/**
 * The cache role on its own Redis, and that Redis full: `maxmemory` reached under
 * `noeviction` (Redis 7 refuses every write that may grow memory with `-OOM command not
 * allowed when used memory > 'maxmemory'`). Verdicts go on answering 200; the failure shows
 * in `jurist_redis_errors_total{role="cache",cause="oom"}`, in `/readyz` as
 * `"redis-cache": "degraded"` (the state role stays ok), and in one log line however many
 * writes fail. Lifting the limit brings the role back.
 */
t.test(
  "an OOM'd cache Redis: verdicts 200, visible in metrics, /readyz and one log line",
  async (t) => {
    const state = await startRedis(t);
    const cache = await startRedis(t);
    const lines: { msg: string; role?: string; cause?: string }[] = [];
    const logger = pino(
      { level: "info" },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    );
    const sims = await startSims(t, 2);
    const { fastify } = await buildGateway(
      t,
      {
        REDIS_URL: state.url,
        JURIST_CACHE_REDIS_URL: cache.url,
        JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
        JURIST_HEALTH_INTERVAL_MS: "200",
      },
      { logger },
    );
    const readiness = async () => (await fastify.inject({ method: "GET", url: "/readyz" })).json();
    t.ok(await within(10_000, async () => (await readiness()).status === "ready"), "ready");
    t.same((await readiness()).stores, { "redis-state": "ok", "redis-cache": "ok" });

    // 1 byte: every write that may use memory is refused.
    await cli("redis-cli", [
      "-p",
      String(cache.port),
      "config",
      "set",
      "maxmemory-policy",
      "noeviction",
    ]);
    await cli("redis-cli", ["-p", String(cache.port), "config", "set", "maxmemory", "1"]);

    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await fastify.inject({
        method: "POST",
        url: "/v1/judge/pairwise",
        payload: { ...validPairwiseBody(), question: `Question ${i}?` },
      });
      statuses.push(response.statusCode);
    }
    t.same(new Set(statuses), new Set([200]), "every verdict answered 200");

    const metrics = async () => (await fastify.inject({ url: "/metrics" })).body;
    t.ok(
      await within(
        5_000,
        async () =>
          series(await metrics(), "jurist_redis_errors_total", 'role="cache",cause="oom"') >= 12,
      ),
      "each refused cache write counted as oom on the cache role",
    );
    const text = await metrics();
    t.equal(series(text, "jurist_redis_errors_total", 'role="state",cause="oom"'), 0, "state ok");
    t.equal(series(text, "jurist_redis_up", 'role="cache"'), 0, "jurist_redis_up{role=cache} 0");
    t.equal(series(text, "jurist_redis_up", 'role="state"'), 1);

    const report = await readiness();
    t.equal(report.status, "ready", "still ready: judging goes on");
    t.same(report.stores, { "redis-state": "ok", "redis-cache": "degraded" });
    const logged = lines.filter((line) => line.role === "cache" && line.cause === "oom");
    t.equal(logged.length, 1, "logged once for the cause, not once per write");

    await cli("redis-cli", ["-p", String(cache.port), "config", "set", "maxmemory", "0"]);
    t.ok(
      await within(15_000, async () => (await readiness()).stores["redis-cache"] === "ok"),
      "the cache role is ok again once writes are accepted",
    );
    t.ok(
      lines.some((line) => line.msg === "redis cache accepts writes again"),
      "the recovery is logged",
    );
  },
);
