import fc from "fast-check";
import t from "tap";
import { encodePng } from "../../../sim/png-image.ts";
import { cutDataUris, restoreDataUris } from "../../../src/http/body-data-uris.ts";
import { buildGateway, startSims, type Teardown } from "../../helpers/gateway.ts";
import { isChatCompletion, startRecordingProxy } from "../../helpers/recording-proxy.ts";

/**
 * Image data URIs are cut out of a JSON body before it is parsed and put back as bytes after
 * the schema (src/http/body-data-uris.ts). What comes out must be the body JSON.parse would
 * have made, with each image's URI as the bytes of its text; what is not an image URL must be
 * left to JSON.parse.
 */

/** Buffers (the restored URIs) back to their text, so a body compares with JSON.parse's. */
function asText(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("latin1");
  if (Array.isArray(value)) return value.map(asText);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asText(v)]));
  }
  return value;
}

function cutAndRestore(json: string) {
  const bytes = Buffer.from(json, "utf8");
  const cut = cutDataUris(
    bytes,
    bytes.every((byte) => byte < 0x80),
  );
  return { cut, parsed: restoreDataUris(JSON.parse(cut.text), cut.dataUris) };
}

const PNG_URI = `data:image/png;base64,${Buffer.from("not really a png, but base64").toString("base64")}`;

t.test("image URLs are cut out, anything else is left to JSON.parse", async (t) => {
  const body = {
    question: `a question quoting "url": "${PNG_URI}" in its text`,
    images: [{ url: PNG_URI }, { url: "https://example.com/x.png" }, { url: `${PNG_URI}==` }],
    uri: PNG_URI,
    nested: { deeper: [{ url: "data:image/jpeg;base64,/9j/" }] },
    other: { url: "data:text/plain;base64,aGk=" },
  };
  // Spaces around the colon, as some clients write them.
  const json = JSON.stringify(body, null, 1).replaceAll('"url": "', '"url"  :\n "');
  const { cut, parsed } = cutAndRestore(json);
  t.same(asText(parsed), body, "the same body, URIs as their text");
  t.equal(cut.dataUris.size, 3, "the two PNG URLs and the JPEG one");
  const images = (parsed as typeof body).images;
  t.ok((images[0]!.url as unknown) instanceof Uint8Array, "an image URL becomes bytes");
  t.equal(typeof images[1]!.url, "string", "an http URL stays text");
  t.equal(typeof (parsed as typeof body).question, "string", "a quoted URL in text stays text");
  t.equal(typeof (parsed as typeof body).uri, "string", "only `url` members");
  t.equal(typeof (parsed as typeof body).other.url, "string", "a header the schema refuses");
  const payloads = (text: string) => text.split("base64,bm90").length - 1;
  t.equal(payloads(json), 4, "in the body: question, two images, `uri`");
  t.equal(payloads(cut.text), 2, "in the text parsed: question and `uri` only");
  // A restored URI is a view of the body: nothing copied.
  const bytes = images[0]!.url as unknown as Buffer;
  t.equal(bytes.toString("latin1"), PNG_URI);
});

t.test("escapes and look-alikes are parsed as JSON.parse would", async (t) => {
  for (const [json, why] of [
    [`{"url":"${PNG_URI.replace("/", "\\/")}"}`, "an escaped slash in the URI"],
    [`{"u\\u0072l":"${PNG_URI}"}`, "a key spelt with an escape"],
    [`{"x":"\\"url\\":\\"${PNG_URI}"}`, "a URL written inside a string"],
    [`{"x":"a\\\\","url":"${PNG_URI}"}`, "after a string ending in an escaped backslash"],
    [`{"url":"${PNG_URI}","q":"caf\u00e9 \u2615"}`, "a body beyond ASCII"],
    [`\ufeff{"url":"${PNG_URI}"}`, "a BOM"],
  ] as const) {
    const text = json.replace(/^\ufeff/, "");
    const { parsed } = cutAndRestore(json.startsWith("\ufeff") ? text : json);
    t.same(asText(parsed), JSON.parse(text), why);
  }
});

t.test("any body of image URLs and text parses to what JSON.parse makes", async (t) => {
  const uri = fc
    .tuple(fc.constantFrom("png", "jpeg", "webp", "gif", "PNG"), fc.base64String({ maxLength: 80 }))
    .map(([type, payload]) => `data:image/${type};base64,${payload}`);
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      fc.string(),
      uri,
      fc.integer(),
      fc.array(tie("node"), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom("url", "images", "q", "u"), tie("node"), { maxKeys: 3 }),
    ),
  })).node;
  fc.assert(
    fc.property(value, fc.boolean(), (body, pretty) => {
      const json = JSON.stringify(body, null, pretty ? 2 : undefined);
      const { parsed } = cutAndRestore(json);
      return JSON.stringify(asText(parsed)) === JSON.stringify(JSON.parse(json));
    }),
    { numRuns: 1_000 },
  );
  t.pass("1,000 random bodies");
});

/** A photo-sized PNG: noise does not compress, so ~3 bytes a pixel. */
const PHOTO = encodePng(200, 200, (x, y) => {
  const n = (x * 7919 + y * 104_729 + x * y * 31) % 251;
  return [n, (n * 7) % 256, (n * 13) % 256];
});
const PHOTO_URI = `data:image/png;base64,${PHOTO.toString("base64")}`;

async function gatewayBehindProxy(t: Teardown) {
  const [sim] = await startSims(t, 1);
  const proxy = await startRecordingProxy(t, sim!.url);
  const gateway = await buildGateway(t, { JURIST_BACKENDS: proxy.url }, { listen: true });
  return { ...gateway, proxy };
}

t.test("every judging route hands the replicas the image as sent", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const question = (n: number) => `How many apples in picture ${n}?`;
  const pairwise = (n: number) => ({
    question: question(n),
    images: [{ url: PHOTO_URI }],
    responses: ["three", "five"],
    mode: "fast",
    swap: false,
  });
  const routes = [
    ["/v1/judge/pairwise", pairwise(1)],
    ["/v1/judge/batch", { items: [pairwise(2), pairwise(3)] }],
    [
      "/v1/reward",
      {
        question: question(4),
        images: [{ url: PHOTO_URI }],
        candidates: ["a", "b"],
        reference: "c",
        mode: "fast",
      },
    ],
    [
      "/get_reward",
      {
        query: [`${question(5)} three`],
        prompts: [question(5)],
        labels: ["three"],
        images: [[{ url: PHOTO_URI }]],
      },
    ],
  ] as const;
  for (const [url, body] of routes) {
    const before = gateway.proxy.requests.filter(isChatCompletion).length;
    const response = await gateway.fastify.inject({ method: "POST", url, payload: body });
    t.equal(response.statusCode, 200, `${url}: ${response.body.slice(0, 200)}`);
    const sent = gateway.proxy.requests.filter(isChatCompletion).slice(before);
    t.ok(sent.length > 0, `${url}: the replica was asked`);
    for (const request of sent) {
      const chat = JSON.parse(request.body!.toString("utf8"));
      const urls = chat.messages
        .flatMap((m: { content: unknown }) => (Array.isArray(m.content) ? m.content : []))
        .filter((part: { type: string }) => part.type === "image_url")
        .map((part: { image_url: { url: string } }) => part.image_url.url);
      t.same(urls, [PHOTO_URI], `${url}: the image, byte for byte`);
    }
  }
});

t.test("a stand-in a caller writes is refused, never read as an image", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const forged = `data:image/png;base64,#jurist-body-${"0".repeat(24)}-0`;
  const response = await gateway.fastify.inject({
    method: "POST",
    url: "/v1/judge/pairwise",
    payload: { question: "q", images: [{ url: forged }], responses: ["a", "b"] },
  });
  t.equal(response.statusCode, 400);
  t.match(response.json(), {
    error: {
      code: "INVALID_REQUEST",
      details: [{ path: "images.0.url", reason: "invalid_base64" }],
    },
  });
});

t.test("URLs put back as text are the strings JSON.parse made of them", async (t) => {
  // /get_reward's labels are any JSON value: a label object may well hold an image URL.
  const json = JSON.stringify({ labels: [{ url: PNG_URI }], images: [[{ url: PNG_URI }]] });
  const cut = cutDataUris(Buffer.from(json), true);
  const parsed = JSON.parse(cut.text);
  restoreDataUris(parsed.labels, cut.dataUris, "text");
  restoreDataUris(parsed, cut.dataUris);
  t.equal(parsed.labels[0].url, PNG_URI, "a label's URL: the string");
  t.ok(parsed.images[0][0].url instanceof Uint8Array, "an image's URL: the bytes");
  // A control character JSON.parse refuses in a string: refused the same where it is text.
  const bad = cutDataUris(Buffer.from(`{"labels":[{"url":"${PNG_URI}\u0001"}]}`), true);
  t.throws(() => restoreDataUris(JSON.parse(bad.text), bad.dataUris, "text"), {
    code: "INVALID_REQUEST",
    message: "the body is not valid JSON",
  });
});

t.test("/get_reward judges against a label holding an image URL as written", async (t) => {
  const gateway = await gatewayBehindProxy(t);
  const label = { answer: "three", evidence: { url: PNG_URI } };
  const question = "How many apples?";
  const response = await gateway.fastify.inject({
    method: "POST",
    url: "/get_reward",
    payload: { query: [`${question} five`], prompts: [question], labels: [label] },
  });
  t.equal(response.statusCode, 200, response.body.slice(0, 200));
  const sent = gateway.proxy.requests.filter(isChatCompletion);
  t.ok(sent.length > 0, "the replica was asked");
  for (const request of sent) {
    const chat = request.body!.toString("utf8");
    t.ok(chat.includes(JSON.stringify(JSON.stringify(label)).slice(1, -1)), "the label's JSON");
    t.notOk(chat.includes('\\"type\\":\\"Buffer\\"'), "not a Buffer's JSON");
    t.notOk(chat.includes("#jurist-body-"), "no stand-in");
  }
});

t.test("a URI of padding alone never carries the previous request's image", async (t) => {
  // Intake decodes into one shared buffer; "=" implied -1 bytes, which the decoder's -1 for
  // "not base64" matched: the buffer's last contents were taken for this image, and resized
  // (over JURIST_IMAGE_MAX_EDGE) they went to the replica as this caller's.
  const [sim] = await startSims(t, 1);
  const proxy = await startRecordingProxy(t, sim!.url);
  const gateway = await buildGateway(
    t,
    { JURIST_BACKENDS: proxy.url, JURIST_IMAGE_MAX_EDGE: "64" },
    { listen: true },
  );
  const judge = (url: string) =>
    gateway.fastify.inject({
      method: "POST",
      url: "/v1/judge/pairwise",
      payload: { question: "q", images: [{ url }], responses: ["a", "b"], mode: "fast" },
    });
  t.equal((await judge(PHOTO_URI)).statusCode, 200, "another caller's photo, resized");
  const asked = proxy.requests.filter(isChatCompletion).length;
  for (const payload of ["=", "=="]) {
    const response = await judge(`data:image/png;base64,${payload}`);
    t.equal(response.statusCode, 400, payload);
    t.match(response.json(), { error: { details: [{ reason: "invalid_base64" }] } });
  }
  t.equal(proxy.requests.filter(isChatCompletion).length, asked, "the replica was not asked");
});
