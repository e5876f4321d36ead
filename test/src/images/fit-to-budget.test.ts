import t from "tap";
import { dataUriPayload } from "../../../src/core/data-uri-payload.ts";
import { AppError } from "../../../src/core/errors.ts";
import { budgetRefusal, fitToBudget } from "../../../src/images/budgeted-image.ts";
import type { ImageBudget } from "../../../src/images/image-budget.ts";
import type { ImageObserver } from "../../../src/images/image-observer.ts";
import { absurdPng, encodedImage, sizeOf, withSignature } from "./budget-images.ts";
import { sha256 } from "./image-bytes.ts";

/** `fitToBudget`: images read from files (the trainer's) fitted as the intake fits a request's. */

const BUDGET: ImageBudget = {
  maxPixels: 640 * 480,
  maxEdge: 1024,
  maxInputPixels: 100_000_000,
  maxInputEdge: 16_384,
};

const bytesOf = dataUriPayload;

function counting() {
  const seen = { resized: 0, refused: [] as string[] };
  const observer: ImageObserver = {
    resized: () => void seen.resized++,
    refused: (reason) => void seen.refused.push(reason),
  };
  return { seen, observer };
}

t.test("an image over the budget is resized; every image keeps its own bytes' hash", async (t) => {
  const large = await encodedImage("jpeg", 1600, 1200);
  const small = await encodedImage("png", 64, 48);
  const { seen, observer } = counting();
  const [fitted, kept] = await fitToBudget(
    [
      { bytes: large, label: "large.jpg" },
      { bytes: small, label: "small.png" },
    ],
    BUDGET,
    observer,
  );
  t.equal(fitted?.sha256, sha256(large), "the original's hash");
  t.equal(fitted?.mime, "image/jpeg");
  t.same(await sizeOf(bytesOf(fitted!.dataUri)), [640, 480], "resized into the budget");
  t.same(bytesOf(fitted!.originalDataUri!), large, "the original kept beside it");
  t.equal(kept?.sha256, sha256(small));
  t.same(bytesOf(kept!.dataUri), small, "an image within the budget goes as it came");
  t.equal(seen.resized, 1);
});

t.test("refusals are named; nothing is resized when any image is refused", async (t) => {
  const large = await encodedImage("jpeg", 1600, 1200);
  const { seen, observer } = counting();
  const refusal = await fitToBudget(
    [
      { bytes: large, label: "large.jpg" },
      { bytes: absurdPng(100_000, 100_000), label: "absurd.png" },
    ],
    BUDGET,
    observer,
  ).catch((error: unknown) => error);
  t.type(refusal, AppError);
  t.equal(budgetRefusal(refusal), "edge_too_long");
  t.match((refusal as Error).message, /^absurd\.png declares 100000×100000/);
  t.equal(seen.resized, 0, "the large image's resize never started");
  t.same(seen.refused, ["edge_too_long"]);

  const notImage = await fitToBudget(
    [{ bytes: Buffer.from("plain text"), label: "x" }],
    BUDGET,
  ).catch((error: unknown) => error);
  t.equal(budgetRefusal(notImage), "unsupported_image_type");
  const corrupt = await fitToBudget(
    [{ bytes: withSignature("image/png", 64), label: "corrupt.png" }],
    BUDGET,
  ).catch((error: unknown) => error);
  t.equal(budgetRefusal(corrupt), "invalid_image_header");
  t.equal(budgetRefusal(new Error("ENOENT: no such file")), undefined, "other errors are not");
  t.equal(budgetRefusal(new AppError("NO_HEALTHY_REPLICA", "down")), undefined);
});
