import t from "tap";
import { request } from "undici";
import { TINY_PNG, validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims, type Teardown } from "../../helpers/gateway.ts";
import { metricSamples, until } from "../../helpers/grpc.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";

/**
 * `/v1/judge/batch` against the in-flight byte budget: an item whose images do not fit is not
 * an item's failure but the server's, so the whole batch is `503 OVERLOADED` with
 * `Retry-After`, as `/get_reward` answers, and a client retries the request instead of
 * reading overloaded items out of a 200. A recording proxy before the replica shows what
 * reached it.
 */

async function gatewayBehindProxy(
  t: Teardown,
  env: Record<string, string>,
  sim: Parameters<typeof startSims>[2] = {},
) {
  const [replica] = await startSims(t, 1, sim);
  const proxy = await startRecordingProxy(t, replica!.url);
  // Listening, and asked over a socket: an injected response never "finishes", so the request's
  // signal would abort every item as the answer goes out and hide what is left running.
  const gateway = await buildGateway(t, { JURIST_BACKENDS: proxy.url, ...env }, { listen: true });
  const completions = () => proxy.requests.filter(isChatCompletion).length;
  const inFlight = () => gateway.runtime.fleet.snapshots().reduce((sum, r) => sum + r.inFlight, 0);
  return { ...gateway, completions, inFlight };
}

/** An item with a 3 KB image: its decoded bytes tip a budget that just holds its body. */
function imageItem() {
  const padded = Buffer.concat([TINY_PNG, Buffer.alloc(3_000)]);
  const item = validPairwiseBody();
  item.images = [{ url: `data:image/png;base64,${padded.toString("base64")}` }];
  return item;
}

function plainItem(seed: number) {
  const item = validPairwiseBody();
  delete item.images;
  return { ...item, seed, cache: false, collect: false };
}

async function batch(gateway: { url: string }, items: unknown[]) {
  const response = await request(`${gateway.url}/v1/judge/batch`, {
    method: "POST",
    body: JSON.stringify({ items }),
    headers: { "content-type": "application/json" },
  });
  const body = await response.body.text();
  return {
    statusCode: response.statusCode,
    headers: response.headers,
    body,
    json: () => JSON.parse(body),
  };
}

async function shedForMemory(runtime: Parameters<typeof metricSamples>[0]): Promise<number> {
  const samples = await metricSamples(runtime, "jurist_shed_requests_total");
  return samples.find((sample) => sample.labels.reason === "memory")?.value ?? 0;
}

t.test("a batch item over the in-flight budget fails the whole batch with 503", async (t) => {
  // Two items at a time, the image item first, a replica that never answers: the item started
  // beside the refused one must be cancelled, and no later item start, or they would hold
  // replica slots until the deadline for an answer nobody reads.
  const items = [imageItem(), plainItem(1), plainItem(2), plainItem(3), plainItem(4)];
  const text = JSON.stringify({ items });
  // The body limit just over this body, and the smallest budget the gateway starts with (three
  // times the limit, what a body at the limit holds while parsed): the body fits, its image's
  // 3 KB of decoded bytes do not.
  const bodyLimit = text.length + 100;
  const budget = 3 * bodyLimit;
  const gateway = await gatewayBehindProxy(
    t,
    {
      JURIST_BODY_LIMIT_BYTES: String(bodyLimit),
      JURIST_INFLIGHT_BYTES_BUDGET: String(budget),
      JURIST_BATCH_CONCURRENCY: "2",
    },
    { stall: true },
  );
  t.ok(text.length * 3 < budget && text.length * 3 + 3_000 > budget, "sized to tell");

  const response = await batch(gateway, items);
  t.equal(response.statusCode, 503, response.body);
  t.equal(response.json().error.code, "OVERLOADED");
  t.match(response.json().error.message, /overloaded/);
  t.equal(response.headers["retry-after"], "1");
  t.equal(await shedForMemory(gateway.runtime), 1, "counted as shed for memory");
  t.ok(await until(() => gateway.runtime.inflight.used() === 0), "every byte given back");
  t.ok(await until(() => gateway.inFlight() === 0), "the item running beside it was cancelled");
  t.ok(
    gateway.completions() <= 2,
    `no later item reached the replica (${gateway.completions()} calls: at most that item's)`,
  );
});

t.test("with room in the budget, the same batch is judged item by item", async (t) => {
  const gateway = await gatewayBehindProxy(t, { JURIST_BATCH_CONCURRENCY: "1" });
  const response = await batch(gateway, [imageItem(), plainItem(1), plainItem(2)]);
  t.equal(response.statusCode, 200, response.body);
  const results = response.json().results as { index: number; verdict?: unknown }[];
  t.same(
    results.map((result) => [result.index, "verdict" in result]),
    [
      [0, true],
      [1, true],
      [2, true],
    ],
  );
});

t.test("an item's own failure still fails that item alone", async (t) => {
  // A bad image is the item's fault (415), not the server's: the rest of the batch is judged.
  const gateway = await gatewayBehindProxy(t, {
    JURIST_BODY_LIMIT_BYTES: "33333",
    JURIST_INFLIGHT_BYTES_BUDGET: "100000",
  });
  const bad = validPairwiseBody();
  bad.images = [{ url: `data:image/png;base64,${Buffer.from("not a png").toString("base64")}` }];
  const response = await batch(gateway, [bad, plainItem(1)]);
  t.equal(response.statusCode, 200, response.body);
  const [first, second] = response.json().results;
  t.equal(first.error.code, "UNSUPPORTED_MEDIA");
  t.ok(second.verdict, "the other item has its verdict");
});
