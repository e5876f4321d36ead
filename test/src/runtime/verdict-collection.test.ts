import t from "tap";
import type { VerdictWire } from "../../../src/http/wire/pairwise-schema.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";

// The runtime hands the judge service's verdict to the collector as it is: what the caller was
// told is what the prompt log keeps for training.
t.test("a collected prompt keeps the verdict the caller got", async (t) => {
  const { fastify, runtime } = await startGateway(t, {
    env: { JURIST_COLLECT_RATE: "1", JURIST_COLLECT_FLUSH_MS: "20" },
  });
  const body = validPairwiseBody();
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: body,
  });
  t.equal(response.statusCode, 200);
  const verdict = response.json() as VerdictWire;
  const log = runtime.stores.promptLog;
  for (let i = 0; i < 100 && (await log.length()) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const [record] = await log.tail(1);
  t.match(record, {
    question: body.question,
    responses: body.responses,
    checkpoint: verdict.checkpoint,
    verdict: {
      winner: verdict.winner,
      probabilityA: verdict.probability_a,
      consistent: verdict.consistent,
    },
  });
});
