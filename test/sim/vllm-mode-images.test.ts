import { createHash } from "node:crypto";
import t from "tap";
import { encodePng } from "../../sim/png-image.ts";
import { qwen2VlImageTokens, smartResize } from "../../sim/vllm/qwen2-vl-image-tokens.ts";
import { sniffedImageHeader } from "../../src/core/image-header.ts";
import { judgeMessages, post, startSim } from "./sim-client.ts";

/**
 * Images counted as a Qwen2.5-VL replica counts them: transformers' `smart_resize`
 * (transformers/models/qwen2_vl/image_processing_qwen2_vl.py) with Qwen2.5-VL-7B-Instruct's
 * preprocessor_config.json (factor 28, min_pixels 3136, max_pixels 12845056), one token per
 * 28×28 cell; and vLLM's refusals of a prompt over `--max-model-len`: the serving layer's
 * (vllm/entrypoints/openai/serving_engine.py `_validate_input`) and, for the prompt with its
 * images expanded, the engine input processor's (vllm/v1/engine/processor.py
 * `_validate_model_input`), both 400 BadRequestError.
 */

/** A PNG header claiming a size; the simulated engine never decodes past it. */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "ascii");
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

t.test(
  "sizes are read from PNG, JPEG, GIF and WebP headers, by the gateway's reader",
  async (t) => {
    // The simulated replica counts image tokens from the same header reader (src/core) as the
    // gateway's image budget, so both agree on every image's size.
    const imageSize = (bytes: Buffer) => {
      const header = sniffedImageHeader(bytes);
      return header && { width: header.width, height: header.height };
    };
    t.same(imageSize(encodePng(30, 20, () => [0, 0, 0])), { width: 30, height: 20 });
    // biome-ignore format: marker bytes read better grouped
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00,
    0xff, 0xc0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0x01]);
    t.same(imageSize(jpeg), { width: 800, height: 600 });
    // A logical screen, no colour table, one 320×240 frame descriptor, its LZW data, the trailer.
    // biome-ignore format: block bytes read better grouped
    const gif = Buffer.concat([Buffer.from("GIF89a"), Buffer.from([0x40, 0x01, 0xf0, 0x00, 0, 0, 0,
    0x2c, 0, 0, 0, 0, 0x40, 0x01, 0xf0, 0x00, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b])]);
    t.same(imageSize(gif), { width: 320, height: 240 });
    t.equal(imageSize(gif.subarray(0, 10)), undefined, "a GIF cut before its first frame");
    const vp8x = Buffer.alloc(30);
    vp8x.write("RIFF", 0);
    vp8x.write("WEBPVP8X", 8);
    vp8x.writeUIntLE(1919, 24, 3);
    vp8x.writeUIntLE(1079, 27, 3);
    t.same(imageSize(vp8x), { width: 1920, height: 1080 });
    const vp8l = Buffer.alloc(30);
    vp8l.write("RIFF", 0);
    vp8l.write("WEBPVP8L", 8);
    vp8l.writeUInt8(0x2f, 20);
    vp8l.writeUInt32LE(99 | (49 << 14), 21);
    t.same(imageSize(vp8l), { width: 100, height: 50 });
    t.equal(imageSize(Buffer.from("not an image")), undefined);
  },
);

t.test("smart_resize: multiples of 28 within the pixel bounds", async (t) => {
  t.same(smartResize({ width: 4032, height: 3024 }), { width: 4032, height: 3024 });
  t.equal(qwen2VlImageTokens({ width: 4032, height: 3024 }), 15552, "a 12 MP photo: ~15k tokens");
  const huge = smartResize({ width: 8000, height: 6000 });
  t.ok(huge.width * huge.height <= 12_845_056, "capped at max_pixels");
  t.equal(huge.width % 28, 0);
  t.same(smartResize({ width: 20, height: 20 }), { width: 56, height: 56 }, "raised to min_pixels");
  t.same(smartResize({ width: 42, height: 70 }), { width: 56, height: 56 }, "round half to even");
  t.throws(() => smartResize({ width: 10_000, height: 20 }), /aspect ratio/);
});

function withImage(image: Buffer) {
  return judgeMessages("Two cups.", "Three cups.", "reasoned", "Describe the image.", [
    {
      sha256: createHash("sha256").update(image).digest("hex"),
      mime: "image/png",
      dataUri: `data:image/png;base64,${image.toString("base64")}`,
      byteLength: image.length,
    },
  ]);
}

t.test("a 12 MP photo overflows --max-model-len 8192 with vLLM's processor message", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.11.0", maxModelLen: 8192 });
  const answer = await post(`${sim.url}/v1/chat/completions`, {
    messages: withImage(pngHeader(4032, 3024)),
  });
  t.equal(answer.status, 400);
  t.equal(answer.json.error.type, "BadRequestError");
  t.match(
    answer.json.error.message,
    /^The decoder prompt \(length \d+\) is longer than the maximum model length of 8192\. Make sure that `max_model_len` is no smaller than the number of text tokens plus multimodal tokens\./,
  );
  const length = Number(/length (\d+)/.exec(answer.json.error.message)![1]);
  t.ok(length > 15552, "the image's 15552 tokens are counted");
  const small = await post(`${sim.url}/v1/chat/completions`, {
    messages: withImage(pngHeader(640, 480)),
  });
  t.equal(small.status, 200, "a small image fits");
  t.equal(
    small.json.usage.prompt_tokens > 23 * 17,
    true,
    "prompt tokens count the image by pixels",
  );
});

t.test("text over the context: the serving layer's message of the release", async (t) => {
  const long = judgeMessages("word ".repeat(40), "word ".repeat(40));
  const measuring = await startSim(t, { vllmVersion: "0.11.0" });
  const measured = await post(`${measuring.url}/v1/chat/completions`, { messages: long });
  const n = measured.json.usage.prompt_tokens as number;
  const room = await startSim(t, { vllmVersion: "0.11.0", maxModelLen: n + 5 });
  const tooLarge = await post(`${room.url}/v1/chat/completions`, {
    messages: long,
    max_tokens: 10,
  });
  t.equal(tooLarge.status, 400);
  t.equal(
    tooLarge.json.error.message,
    `'max_tokens' or 'max_completion_tokens' is too large: 10. This model's maximum context length is ${n + 5} tokens and your request has ${n} input tokens (10 > ${n + 5} - ${n}).`,
  );
  const current = await startSim(t, { vllmVersion: "0.11.0", maxModelLen: 64 });
  const full = await post(`${current.url}/v1/chat/completions`, { messages: long });
  t.match(
    full.json.error.message,
    /^This model's maximum context length is 64 tokens\. However, your request has \d+ input tokens\. Please reduce the length of the input messages\.$/,
  );
  const older = await startSim(t, { vllmVersion: "0.10.1", maxModelLen: 64 });
  const old = await post(`${older.url}/v1/chat/completions`, { messages: long, max_tokens: 10 });
  t.match(
    old.json.error.message,
    /^This model's maximum context length is 64 tokens\. However, you requested \d+ tokens \(\d+ in the messages, 10 in the completion\)\. Please reduce the length of the messages or completion\.$/,
  );
  const oldBare = await post(`${older.url}/v1/chat/completions`, { messages: long });
  t.match(
    oldBare.json.error.message,
    /^This model's maximum context length is 64 tokens\. However, you requested \d+ tokens in the messages, Please reduce the length of the messages\.$/,
  );
});

t.test("without --max-model-len nothing is refused", async (t) => {
  const sim = await startSim(t, { vllmVersion: "0.11.0" });
  const answer = await post(`${sim.url}/v1/chat/completions`, {
    messages: withImage(pngHeader(4032, 3024)),
  });
  t.equal(answer.status, 200);
});

t.test("an image that fits leaves max_tokens shortened to the room left", async (t) => {
  // vLLM: get_max_tokens (vllm/entrypoints/utils.py) takes min(max_tokens, max_model_len −
  // prompt length); the serving layer's check above saw each image as one placeholder.
  const sim = await startSim(t, { vllmVersion: "0.11.0", maxModelLen: 1420 });
  const answer = await post(`${sim.url}/v1/chat/completions`, {
    messages: withImage(pngHeader(1008, 756)),
    max_tokens: 200,
    n: 4,
  });
  t.equal(answer.status, 200);
  const room = 1420 - answer.json.usage.prompt_tokens;
  t.ok(room > 0 && room < 200, `the image left ${room} tokens`);
  const lengths = answer.json.choices.map(
    (choice: { logprobs: unknown; finish_reason: string }) => choice.finish_reason,
  );
  t.ok(lengths.includes("length"), "some reasoning ran into the context's end");
  t.ok(answer.json.usage.completion_tokens <= 4 * room, "no choice went past the context");
});
