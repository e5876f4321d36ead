import fc from "fast-check";
import t from "tap";
import { chatBodyParts } from "../../../src/engine/chat-body.ts";

const image = (size: number, fill = "A") => `data:image/png;base64,${fill.repeat(size)}`;

function chatBody(urls: (string | Uint8Array)[], text: string) {
  return {
    model: "m",
    messages: [
      {
        role: "user",
        content: [
          ...urls.map((url) => ({ type: "image_url", image_url: { url } })),
          { type: "text", text },
        ],
      },
    ],
    max_tokens: 1,
  };
}

t.test("the parts are the JSON text, with each large image a part of its own", async (t) => {
  const urls = [image(8_000), image(10_000, "B"), image(10)];
  const body = chatBody(urls, 'Which is better? "A" or \\ [B] \u0001');
  const { parts, byteLength } = await chatBodyParts(body);
  const joined = parts.join("");
  t.equal(joined, JSON.stringify(body));
  t.equal(byteLength, Buffer.byteLength(joined));
  t.ok(parts.includes(urls[0]!) && parts.includes(urls[1]!), "large images are parts");
  t.notOk(parts.includes(urls[2]!), "a small one stays in the text");
  // Each order of a verdict serializes its own body: the images are parts of both, not copied
  // into either's text.
  const other = await chatBodyParts(chatBody(urls, "the other order"));
  const textBytes = (p: (string | Buffer)[]) =>
    p.filter((part) => typeof part === "string" && !urls.includes(part)).join("").length;
  t.ok(textBytes(parts) < 1_000 && textBytes(other.parts) < 1_000, "texts without images");
});

t.test("any text, even one shaped like the marker, serializes exactly", async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.string({ minLength: 0, maxLength: 40 }), { maxLength: 4 }),
      fc.array(fc.integer({ min: 4_096, max: 6_000 }), { maxLength: 3 }),
      async (texts, sizes) => {
        const urls = sizes.map((size) => image(size));
        const body = { ...chatBody(urls, texts.join("\u0001")), texts };
        const { parts, byteLength } = await chatBodyParts(body);
        const joined = parts.join("");
        return joined === JSON.stringify(body) && byteLength === Buffer.byteLength(joined);
      },
    ),
    { numRuns: 300 },
  );
  // A URL JSON would escape is sent as its JSON text, escapes and all.
  const quoted = `${image(5_000)}"`;
  const { parts, byteLength } = await chatBodyParts(chatBody([quoted], "q"));
  t.equal(parts.join(""), JSON.stringify(chatBody([quoted], "q")));
  t.equal(byteLength, Buffer.byteLength(parts.join("")));
  t.notOk(parts.includes(quoted), "not as a raw part");
});

/** What ran first: the body's parts, or a turn of the event loop queued before them. */
async function firstOf(building: () => Promise<unknown>): Promise<"loop turn" | "parts"> {
  let first: "loop turn" | "parts" | undefined;
  setImmediate(() => {
    first ??= "loop turn";
  });
  await building();
  first ??= "parts";
  return first;
}

t.test("the event loop turns between large images, not for small ones", async (t) => {
  // Three images of 1.5 MB: scanned one per turn, so a probe or another request is served
  // between them rather than after all of them.
  const large = [image(1_500_000), image(1_500_000, "B"), image(1_500_000, "C")];
  t.equal(await firstOf(() => chatBodyParts(chatBody(large, "q"))), "loop turn");
  // Small images (together under a megabyte) cost no turn: the verdict path stays as fast.
  const small = [image(5_000), image(6_000, "B"), image(7_000, "C")];
  t.equal(await firstOf(() => chatBodyParts(chatBody(small, "q"))), "parts");
  // Either way the body is exact.
  const { parts } = await chatBodyParts(chatBody(large, "q"));
  t.equal(parts.join(""), JSON.stringify(chatBody(large, "q")));
});

const joinedText = (parts: (string | Buffer)[]) =>
  parts.map((part) => (typeof part === "string" ? part : part.toString("latin1"))).join("");

t.test("a data URI held as bytes goes out as those very bytes, never a string", async (t) => {
  const texts = [image(8_000), image(9_000, "C"), image(12)];
  // As an HTTP body's slice: a Buffer view into a larger buffer, and a plain Uint8Array view.
  const body = Buffer.from(`xx${texts.join("")}yy`, "latin1");
  const first = body.subarray(2, 2 + texts[0]!.length);
  const secondAt = 2 + texts[0]!.length;
  const second = new Uint8Array(body.buffer, body.byteOffset + secondAt, texts[1]!.length);
  const small = Buffer.from(texts[2]!, "latin1");
  const { parts, byteLength } = await chatBodyParts(chatBody([first, second, small], "q"));
  const expected = JSON.stringify(chatBody(texts, "q"));
  t.equal(joinedText(parts), expected, "the same JSON as the strings'");
  t.equal(byteLength, Buffer.byteLength(expected));
  const buffers = parts.filter((part) => Buffer.isBuffer(part));
  t.equal(buffers.length, 2, "the two large ones are parts of their own");
  t.equal(buffers[0], first, "the very Buffer");
  t.equal(buffers[1]!.buffer, body.buffer, "a Uint8Array is wrapped, not copied");
  t.equal(buffers[1]!.byteOffset, body.byteOffset + secondAt);
  // Bytes JSON would escape are sent as their JSON text.
  const quoted = Buffer.from(`${image(5_000)}"`, "latin1");
  const escaped = await chatBodyParts(chatBody([quoted], "q"));
  t.equal(joinedText(escaped.parts), JSON.stringify(chatBody([quoted.toString("latin1")], "q")));
  t.notOk(
    escaped.parts.some((part) => Buffer.isBuffer(part)),
    "not as a raw part",
  );
});
