import sharp from "sharp";
import t from "tap";
import { validPairwiseBody } from "../../helpers/fixtures.ts";
import { buildGateway, startSims, type Teardown } from "../../helpers/gateway.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";
import { absurdPng, encodedImage } from "../images/budget-images.ts";

// The image budget end to end: a gateway in front of a simulated replica, with a recording
// proxy between them that keeps every chat completion body the replica receives, so the test
// reads exactly the image bytes that would reach vLLM.

/** The image data URIs of every chat completion the replica received, in order. */
async function startImageRecordingProxy(t: Teardown, target: string) {
  const proxy = await startRecordingProxy(t, target);
  const chats = () => proxy.requests.filter(isChatCompletion);
  const imageUris = () =>
    chats().flatMap((chat) =>
      (JSON.parse(String(chat.body)) as { messages: { content: unknown }[] }).messages.flatMap(
        (message) =>
          Array.isArray(message.content)
            ? message.content.flatMap((part: { type: string; image_url?: { url: string } }) =>
                part.type === "image_url" && part.image_url ? [part.image_url.url] : [],
              )
            : [],
      ),
    );
  return { url: proxy.url, imageUris, completions: () => chats().length };
}

async function gatewayBehindProxy(t: Teardown, env: Record<string, string> = {}) {
  const [sim] = await startSims(t, 1);
  const proxy = await startImageRecordingProxy(t, sim!.url);
  const gateway = await buildGateway(t, { JURIST_BACKENDS: proxy.url, ...env });
  const judge = (url: string, extra: Record<string, unknown> = {}) =>
    gateway.fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { ...validPairwiseBody(), images: [{ url }], mode: "fast", ...extra },
    });
  return { proxy, judge, fastify: gateway.fastify };
}

const pngUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString("base64")}`;
const payloadOf = (uri: string) => Buffer.from(uri.slice(uri.indexOf(",") + 1), "base64");

t.test("a within-budget image reaches the replica byte for byte, in both orders", async (t) => {
  const { proxy, judge } = await gatewayBehindProxy(t);
  const image = await encodedImage("png", 800, 600);
  const response = await judge(pngUri(image));
  t.equal(response.statusCode, 200, response.body);
  const sent = proxy.imageUris();
  t.equal(sent.length, 2, "one image per order");
  for (const uri of sent) t.equal(uri, pngUri(image), "the caller's data URI, unchanged");
});

t.test(
  "a 4000×3000 image reaches the replica fitted to the budget; the same original hits the cache",
  async (t) => {
    const { proxy, judge, fastify } = await gatewayBehindProxy(t);
    const original = await encodedImage("jpeg", 4000, 3000);
    const uri = `data:image/jpeg;base64,${original.toString("base64")}`;
    const first = await judge(uri);
    t.equal(first.statusCode, 200, first.body);
    t.equal(first.json().cached, false);
    const sent = proxy.imageUris();
    t.equal(sent.length, 2);
    for (const forwarded of sent) {
      t.match(forwarded, /^data:image\/jpeg;base64,/);
      const { width, height } = await sharp(payloadOf(forwarded)).metadata();
      t.same([width, height], [1156, 867], "fitted to 28·28·1280 pixels, 4:3 kept");
    }
    t.equal(sent[0], sent[1], "both orders carry the same resized copy");
    const resized = async () =>
      (await fastify.inject({ method: "GET", url: "/metrics" })).body.match(
        /jurist_images_resized_total\{format="(?:jpeg|png)"\} \d+/g,
      );
    t.same(
      await resized(),
      [
        'jurist_images_resized_total{format="png"} 0',
        'jurist_images_resized_total{format="jpeg"} 1',
      ],
      "the miss resized once, for both orders",
    );

    const again = await judge(uri);
    t.equal(again.statusCode, 200);
    t.equal(again.json().cached, true, "the same original finds the cached verdict");
    t.equal(again.json().winner, first.json().winner);
    t.equal(proxy.completions(), 2, "no engine call for the cached verdict");
    t.same(
      await resized(),
      [
        'jurist_images_resized_total{format="png"} 0',
        'jurist_images_resized_total{format="jpeg"} 1',
      ],
      "the hit resized nothing: its key is the original's hash",
    );
  },
);

t.test("cache hits do no resize: the key is known before any pixel is decoded", async (t) => {
  const { proxy, judge, fastify } = await gatewayBehindProxy(t, {
    JURIST_IMAGE_MAX_PIXELS: "10000",
  });
  const good = await encodedImage("png", 800, 600);
  const first = await judge(pngUri(good));
  t.equal(first.statusCode, 200, first.body);
  t.equal(proxy.completions(), 2);
  const metrics = async () => (await fastify.inject({ method: "GET", url: "/metrics" })).body;
  t.match(await metrics(), /jurist_images_resized_total\{format="png"\} 1/);
  for (let i = 0; i < 3; i++) {
    const hit = await judge(pngUri(good));
    t.equal(hit.json().cached, true);
  }
  t.match(await metrics(), /jurist_images_resized_total\{format="png"\} 1/, "hits: no resize");
});

t.test("the budget follows the settings", async (t) => {
  const { proxy, judge } = await gatewayBehindProxy(t, {
    JURIST_IMAGE_MAX_PIXELS: "10000",
    JURIST_IMAGE_MAX_EDGE: "50",
  });
  const response = await judge(pngUri(await encodedImage("png", 800, 600)));
  t.equal(response.statusCode, 200, response.body);
  const { width, height } = await sharp(payloadOf(proxy.imageUris()[0]!)).metadata();
  t.same([width, height], [50, 37]);
});

t.test("an absurd header is a coded 413 and never reaches the replica", async (t) => {
  const { proxy, judge, fastify } = await gatewayBehindProxy(t);
  const response = await judge(pngUri(absurdPng(2 ** 31 - 1, 2 ** 31 - 1)));
  t.equal(response.statusCode, 413);
  t.match(response.json(), {
    error: {
      code: "IMAGE_TOO_LARGE",
      details: [{ path: "images.0.url", reason: "edge_too_long" }],
    },
  });
  const garbage = await judge(
    `data:image/png;base64,${Buffer.from("\x89PNG\r\n\x1a\ngarbage garbage garbage", "latin1").toString("base64")}`,
  );
  t.equal(garbage.statusCode, 415);
  t.match(garbage.json(), {
    error: { code: "UNSUPPORTED_MEDIA", details: [{ reason: "invalid_image_header" }] },
  });
  t.equal(proxy.completions(), 0, "the replica saw nothing");
  const metrics = (await fastify.inject({ method: "GET", url: "/metrics" })).body;
  t.match(metrics, /jurist_images_refused_total\{reason="edge_too_long"\} 1/);
  t.match(metrics, /jurist_images_refused_total\{reason="invalid_image_header"\} 1/);
});

t.test("an incoherent budget stops the gateway at start", async (t) => {
  await t.rejects(
    gatewayBehindProxy(t, { JURIST_IMAGE_MAX_PIXELS: "200000000" }),
    /invalid image budget: maxPixels exceeds maxInputPixels/,
  );
});
