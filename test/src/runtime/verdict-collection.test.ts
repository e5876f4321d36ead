import { createHash } from "node:crypto";
import t from "tap";
import type { VerdictWire } from "../../../src/http/wire/pairwise-schema.ts";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { startGateway } from "../../helpers/gateway.ts";
import { encodedImage } from "../images/budget-images.ts";

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

// The prompt log keeps what the caller sent, not the gateway's resized copy: the trainer's
// contamination guard matches benchmark images by the SHA-256 of their bytes.
t.test("an image the gateway resized is collected as the caller sent it", async (t) => {
  const { fastify, runtime } = await startGateway(t, {
    env: {
      JURIST_COLLECT_RATE: "1",
      JURIST_COLLECT_FLUSH_MS: "20",
      JURIST_IMAGE_MAX_PIXELS: "4096",
    },
  });
  const original = await encodedImage("png", 300, 200);
  const response = await fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: {
      ...validPairwiseBody(),
      images: [{ url: `data:image/png;base64,${original.toString("base64")}` }],
    },
  });
  t.equal(response.statusCode, 200, response.body);
  const log = runtime.stores.promptLog;
  for (let i = 0; i < 100 && (await log.length()) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const [record] = await log.tail(1);
  const sha256 = createHash("sha256").update(original).digest("hex");
  t.same(record?.imageHashes, [sha256], "the record names the original");
  t.same(await runtime.stores.blobs.get(sha256), original, "the blob is the original's bytes");
});
