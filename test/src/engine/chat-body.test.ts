import fc from "fast-check";
import t from "tap";
import { chatBodyParts } from "../../../src/engine/chat-body.ts";

const image = (size: number, fill = "A") => `data:image/png;base64,${fill.repeat(size)}`;

function chatBody(urls: string[], text: string) {
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
  const textBytes = (p: string[]) => p.filter((part) => !urls.includes(part)).join("").length;
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
