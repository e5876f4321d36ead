import { create, toBinary } from "@bufbuild/protobuf";
import t from "tap";
import { ConfigError, loadConfig } from "../../../src/config/config.ts";
import { grpcMessageLimitFor } from "../../../src/config/grpc-settings.ts";
import { bodyLimitFor, IMAGES_PER_REQUEST } from "../../../src/config/server-settings.ts";
import { HTTP_BODY_COST_PER_BYTE } from "../../../src/config/shedding-settings.ts";
import {
  JudgeMode,
  RewardMethod,
  RewardRequestSchema,
} from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { CHECKPOINT_LIMIT, MAX_IMAGES, TEXT_LIMIT } from "../../../src/judge/request-limits.ts";
import { MAX_CANDIDATES } from "../../../src/reward/reward-limits.ts";

t.test("the default body limit fits the largest request the image limits allow", async (t) => {
  t.equal(IMAGES_PER_REQUEST, MAX_IMAGES, "the config's count of images is the judge's");
  const config = loadConfig({});
  t.equal(config.http.bodyLimitBytes, bodyLimitFor(MAX_IMAGES, config.images.maxBytes));
  t.equal(config.http.bodyLimitBytes, 227_891_040, "as docs/security.md states it");
  // Eight images at the image limit, as data URIs, fit; so does the text of the wordiest request.
  const dataUri = `data:image/jpeg;base64,${"A".repeat(4 * Math.ceil(config.images.maxBytes / 3))}`;
  const images = Array.from({ length: MAX_IMAGES }, () => `{"url":"${dataUri}"}`).join(",").length;
  t.ok(images + 18 * 32_768 * 6 < config.http.bodyLimitBytes);
  t.equal(HTTP_BODY_COST_PER_BYTE, 3, "a body, its text and its parsed strings");
  t.ok(
    config.shedding.inflightBytesBudget >= HTTP_BODY_COST_PER_BYTE * config.http.bodyLimitBytes,
    "the budget admits the largest body",
  );
});

t.test("the default gRPC message limit fits the largest request, images as bytes", async (t) => {
  const config = loadConfig({});
  t.equal(config.grpc.maxMessageBytes, grpcMessageLimitFor(MAX_IMAGES, config.images.maxBytes));
  t.equal(config.grpc.maxMessageBytes, 169_869_440, "as docs/security.md states it");
  t.ok(config.grpc.maxMessageBytes < config.http.bodyLimitBytes, "no base64 to make room for");
  // The widest valid message, built and encoded: a reward request with 8 images at the image
  // limit as bytes, and every text at its limit in 3-byte UTF-8 characters.
  const image = new Uint8Array(config.images.maxBytes);
  const text = "€".repeat(TEXT_LIMIT);
  const widest = create(RewardRequestSchema, {
    question: text,
    images: Array.from({ length: MAX_IMAGES }, () => ({
      source: { case: "data" as const, value: image },
    })),
    candidates: Array.from({ length: MAX_CANDIDATES }, () => text),
    reference: text,
    checkpoint: "€".repeat(CHECKPOINT_LIMIT),
    method: RewardMethod.REFERENCE,
    mode: JudgeMode.REASONED,
  });
  const size = toBinary(RewardRequestSchema, widest).byteLength;
  t.ok(size <= config.grpc.maxMessageBytes, `${size} bytes fit`);
  t.ok(config.shedding.inflightBytesBudget >= 2 * size, "the budget admits it (twice its size)");
});

t.test("a budget too small for a body at the limit is refused at start", async (t) => {
  const limit = 1_000_000;
  const error = t.throws(() =>
    loadConfig({
      JURIST_BODY_LIMIT_BYTES: String(limit),
      JURIST_INFLIGHT_BYTES_BUDGET: String(3 * limit - 1),
    }),
  ) as ConfigError;
  t.ok(error instanceof ConfigError);
  t.equal(error.problems.length, 1);
  t.match(
    error.problems[0],
    /JURIST_INFLIGHT_BYTES_BUDGET \(2999999\) must be at least 3× JURIST_BODY_LIMIT_BYTES \(1000000\), 3000000/,
  );
  t.match(error.problems[0], /larger bodies than 999999 bytes would be refused with 503 forever/);
  // The default body limit with a budget under three times it: refused too.
  t.throws(() => loadConfig({ JURIST_INFLIGHT_BYTES_BUDGET: String(600 * 1024 * 1024) }), {
    name: "ConfigError",
  });
  // Exactly three times: a body at the limit fits the budget alone.
  const fits = loadConfig({
    JURIST_BODY_LIMIT_BYTES: String(limit),
    JURIST_INFLIGHT_BYTES_BUDGET: String(3 * limit),
  });
  t.equal(fits.shedding.inflightBytesBudget, 3 * limit);
});

t.test("JSON shape limits: no less than the widest and deepest valid requests", async (t) => {
  t.equal(loadConfig({}).http.jsonMaxValues, 100_000);
  t.equal(loadConfig({}).http.jsonMaxDepth, 64);
  t.equal(loadConfig({ JURIST_JSON_MAX_DEPTH: "5" }).http.jsonMaxDepth, 5);
  t.throws(() => loadConfig({ JURIST_JSON_MAX_DEPTH: "4" }), /JURIST_JSON_MAX_DEPTH/);
  t.equal(loadConfig({ JURIST_JSON_MAX_VALUES: "50000" }).http.jsonMaxValues, 50_000);
  t.throws(() => loadConfig({ JURIST_JSON_MAX_VALUES: "24999" }), /JURIST_JSON_MAX_VALUES/);
});
