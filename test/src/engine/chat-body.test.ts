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
  const { parts, byteLength } = chatBodyParts(body);
  const joined = parts.join("");
  t.equal(joined, JSON.stringify(body));
  t.equal(byteLength, Buffer.byteLength(joined));
  t.ok(parts.includes(urls[0]!) && parts.includes(urls[1]!), "large images are parts");
  t.notOk(parts.includes(urls[2]!), "a small one stays in the text");
  // Each order of a verdict serializes its own body: the images are parts of both, not copied
  // into either's text.
  const other = chatBodyParts(chatBody(urls, "the other order"));
  const textBytes = (p: string[]) => p.filter((part) => !urls.includes(part)).join("").length;
  t.ok(textBytes(parts) < 1_000 && textBytes(other.parts) < 1_000, "texts without images");
});

t.test("any text, even one shaped like the marker, serializes exactly", async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 0, maxLength: 40 }), { maxLength: 4 }),
      fc.array(fc.integer({ min: 4_096, max: 6_000 }), { maxLength: 3 }),
      (texts, sizes) => {
        const urls = sizes.map((size) => image(size));
        const body = { ...chatBody(urls, texts.join("\u0001")), texts };
        const { parts, byteLength } = chatBodyParts(body);
        const joined = parts.join("");
        return joined === JSON.stringify(body) && byteLength === Buffer.byteLength(joined);
      },
    ),
    { numRuns: 300 },
  );
  // A URL JSON would escape is left to JSON.stringify.
  const quoted = `${image(5_000)}"`;
  const { parts } = chatBodyParts(chatBody([quoted], "q"));
  t.equal(parts.join(""), JSON.stringify(chatBody([quoted], "q")));
  t.equal(parts.length, 1);
});
