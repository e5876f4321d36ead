import { setTimeout as sleep } from "node:timers/promises";
import sharp from "sharp";
import t, { type Test } from "tap";
import type { SimOptions } from "../../../sim/sim-options.ts";
import type { VerdictWire } from "../../../src/http/wire/pairwise-schema.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

/**
 * The gateway end to end against replicas in the simulator's vLLM mode (sim/vllm/, each
 * behaviour citing the vLLM source it follows) at two releases: 0.10.1, before
 * `structured_outputs` existed (only `guided_choice` constrains), and 0.12.0, after
 * `guided_choice` was removed. In that mode the replicas decode logprob tokens one at a time
 * (split characters come back as "�" or ""), append the EOS text to the token list, report
 * masked alternatives at -9999, close idle connections after 5 s, require their API key on
 * /v1/* and report cached prompt tokens.
 */

const VERSIONS = [
  { version: "0.10.1", field: "guided_choice", wrong: "structured_outputs" },
  { version: "0.12.0", field: "structured_outputs", wrong: "guided_choice" },
] as const;

const REPLICA_KEY = "replica-key-0451";

function replicaOptions(version: string): Partial<SimOptions> {
  return {
    vllmVersion: version,
    apiKey: REPLICA_KEY,
    enableLora: true,
    runtimeLoraUpdating: true,
    enablePromptTokensDetails: true,
    maxModelLen: 8192,
  };
}

/** Distinct pairs, so no verdict comes from the cache. */
function pair(i: number, mode: "fast" | "reasoned") {
  return {
    ...validPairwiseBody(),
    question: `How many apples are in bowl number ${i}?`,
    responses: [`There are ${i + 2} red apples in the bowl.`, `There are ${i + 4} green apples.`],
    mode,
  };
}

function metricValue(text: string, name: string, labels: string): number {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

for (const { version, field, wrong } of VERSIONS) {
  t.test(`vLLM ${version}`, async (t) => {
    const gateway = await startGateway(t, {
      replicas: 2,
      sim: replicaOptions(version),
      env: { JURIST_REPLICA_API_KEY: REPLICA_KEY },
    });
    const { fastify } = gateway;
    const judge = async (t: Test, body: object) => {
      const response = await fastify.inject({
        method: "POST",
        url: "/v1/judge/pairwise",
        payload: body,
      });
      t.equal(response.statusCode, 200, "judged");
      return response.json() as VerdictWire;
    };

    t.test("the field is chosen by version and /readyz says so", async (t) => {
      const ready = (await fastify.inject({ url: "/readyz" })).json();
      t.equal(ready.status, "ready");
      for (const replica of ready.replicas) {
        t.equal(replica.version, version);
        t.equal(replica.choice_field, field);
        t.notOk(replica.unconstrained);
      }
    });

    t.test("fast verdicts are constrained and carry probabilities", async (t) => {
      for (let i = 0; i < 6; i++) {
        const verdict = await judge(t, pair(i, "fast"));
        t.equal(verdict.outcome, "ok");
        for (const order of verdict.orders) t.type(order.probability_a, "number");
      }
    });

    t.test("reasoned verdicts with split characters and EOS carry probabilities", async (t) => {
      // About half of the replica's reasonings put a multi-byte character just before the
      // verdict marker, split into byte tokens; every order must still be read.
      let split = 0;
      for (let i = 0; i < 12; i++) {
        const verdict = await judge(t, pair(100 + i, "reasoned"));
        t.equal(verdict.outcome, "ok");
        for (const order of verdict.orders) {
          t.type(order.probability_a, "number", `order ${order.order} of pair ${i}`);
          if ([...order.reasoning].some((c) => c.charCodeAt(0) > 0x7f)) split += 1;
        }
      }
      t.ok(split > 0, `${split} orders carried a multi-byte character before their verdict`);
    });

    t.test(
      "a 12-megapixel photo is fitted to the budget, not refused for the context",
      async (t) => {
        // Unresized, a Qwen2-VL-family replica counts 4000×3000 as ~15k image tokens, over
        // --max-model-len 8192 (the simulator counts them as the Qwen2-VL processor does).
        const photo = await sharp({
          create: { width: 4000, height: 3000, channels: 3, background: { r: 90, g: 120, b: 60 } },
        })
          .jpeg()
          .toBuffer();
        const body = {
          ...pair(300, "fast"),
          images: [{ url: `data:image/jpeg;base64,${photo.toString("base64")}` }],
        };
        const verdict = await judge(t, body);
        t.equal(verdict.outcome, "ok");
        const metrics = (await fastify.inject({ url: "/metrics" })).body;
        t.ok(metricValue(metrics, "jurist_images_resized_total", 'format="jpeg"') >= 1);
      },
    );

    t.test("the two orders of a verdict share the replica's prefix cache", async (t) => {
      // 896×896 is 1,024 image tokens (one per 28×28 block), more than all the prompt text:
      // only a second order on the replica that just prefilled the same image can find that
      // many tokens cached; orders sent to different replicas would share the template only.
      const image = await sharp({
        create: { width: 896, height: 896, channels: 3, background: { r: 20, g: 40, b: 200 } },
      })
        .png()
        .toBuffer();
      const cached = async () =>
        metricValue(
          (await fastify.inject({ url: "/metrics" })).body,
          "jurist_engine_prompt_tokens_total",
          'kind="cached"',
        );
      const before = await cached();
      const verdict = await judge(t, {
        ...pair(400, "fast"),
        images: [{ url: `data:image/png;base64,${image.toString("base64")}` }],
      });
      t.equal(verdict.outcome, "ok");
      const shared = (await cached()) - before;
      t.ok(shared >= 1_024, `${shared} prompt tokens of this verdict came from the prefix cache`);
    });

    t.test("idle past the replicas' 5 s keep-alive, the next verdict goes through", async (t) => {
      // The pool lets idle connections go at 4 s, before the replica's 5 s close. The race
      // itself (a request written as the replica closes) cannot be timed from here: it is
      // made deterministic on a raw socket in test/src/engine/keep-alive-race.test.ts.
      await sleep(5_500);
      const verdict = await judge(t, pair(200, "fast"));
      t.equal(verdict.outcome, "ok");
      const ready = (await fastify.inject({ url: "/readyz" })).json();
      t.ok(ready.replicas.every((r: { healthy: boolean }) => r.healthy));
      const metrics = (await fastify.inject({ url: "/metrics" })).body;
      t.equal(metricValue(metrics, "jurist_engine_stale_connection_retries_total", "replica="), 0);
    });
  });

  t.test(`vLLM ${version} with the field it lacks set explicitly`, async (t) => {
    const { fastify } = await startGateway(t, {
      replicas: 1,
      sim: replicaOptions(version),
      env: { JURIST_REPLICA_API_KEY: REPLICA_KEY, JURIST_STRUCTURED_OUTPUT_FIELD: wrong },
    });
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: pair(1, "fast"),
    });
    t.equal(response.statusCode, 200);
    t.not(response.json().outcome, "ok", "the unconstrained answer is not taken for a verdict");
    const ready = (await fastify.inject({ url: "/readyz" })).json();
    t.equal(ready.replicas[0].unconstrained?.field, wrong, "reported on /readyz");
    // /readyz answers without a key: the answer itself (model output) goes to the log only.
    t.notOk("last_answer" in ready.replicas[0].unconstrained, "/readyz carries no model output");
    const metrics = (await fastify.inject({ url: "/metrics" })).body;
    t.ok(metricValue(metrics, "jurist_engine_unconstrained_answers_total", "replica=") > 0);
  });

  t.test(`vLLM ${version} requiring a key the gateway does not send`, async (t) => {
    const { fastify, runtime } = await startGateway(t, {
      replicas: 1,
      sim: replicaOptions(version),
    });
    const response = await fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: pair(1, "fast"),
    });
    t.equal(response.statusCode, 503, "visible, not a silent wrong verdict");
    const ready = (await fastify.inject({ url: "/readyz" })).json();
    t.equal(ready.status, "not_ready");
    // /readyz answers without a key: the error text goes to the log (src/runtime/replica-log.ts).
    t.notOk("last_error" in ready.replicas[0], "/readyz carries no upstream error text");
    t.match(runtime.fleet.snapshots()[0]?.lastError, /401/, "the poll knows why, for the log");
  });
}
