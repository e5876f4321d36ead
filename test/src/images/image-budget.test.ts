import fc from "fast-check";
import t from "tap";
import { loadConfig } from "../../../src/config/config.ts";
import {
  budgetProblem,
  checkDeclaredSize,
  fittedSize,
  type ImageBudget,
} from "../../../src/images/image-budget.ts";
import { DEFAULT_IMAGE_BUDGET } from "../../../src/images/image-intake.ts";

const BUDGET: ImageBudget = {
  maxPixels: 28 * 28 * 1280,
  maxEdge: 2048,
  maxInputPixels: 100_000_000,
  maxInputEdge: 16_384,
};
const PATH = "images.0.url";

t.test("an image within the budget is not resized", async (t) => {
  t.equal(fittedSize({ width: 1, height: 1 }, BUDGET), undefined);
  t.equal(fittedSize({ width: 1120, height: 896 }, BUDGET), undefined, "exactly 1,003,520 pixels");
  t.equal(fittedSize({ width: 2048, height: 16 }, BUDGET), undefined, "an edge at the limit");
});

t.test("a 4000×3000 photo is fitted to the pixel budget, its aspect ratio kept", async (t) => {
  const fitted = fittedSize({ width: 4000, height: 3000 }, BUDGET);
  t.same(fitted, { width: 1156, height: 867 });
  t.ok(fitted!.width * fitted!.height <= BUDGET.maxPixels);
});

t.test("a long strip is fitted to the edge budget", async (t) => {
  t.same(fittedSize({ width: 8000, height: 100 }, BUDGET), { width: 2048, height: 25 });
});

t.test(
  "property: the fitted size fits, keeps the aspect ratio and is as large as it can be",
  (t) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16_384 }),
        fc.integer({ min: 1, max: 16_384 }),
        fc.integer({ min: 1, max: 4_000_000 }),
        fc.integer({ min: 1, max: 16_384 }),
        (width, height, maxPixels, maxEdge) => {
          const budget = { ...BUDGET, maxPixels, maxEdge };
          const fitted = fittedSize({ width, height }, budget);
          if (!fitted) return width * height <= maxPixels && Math.max(width, height) <= maxEdge;
          const fits =
            fitted.width * fitted.height <= maxPixels &&
            Math.max(fitted.width, fitted.height) <= maxEdge;
          const smaller = fitted.width <= width && fitted.height <= height;
          // Rounding each edge down moves the ratio by less than a pixel on either edge.
          const ratioKept =
            Math.abs(fitted.width / fitted.height - width / height) <=
            (width / height) * (1 / fitted.width + 1 / fitted.height) + 1e-9;
          // Not needlessly small: one more pixel on both edges would no longer fit, unless an
          // edge was already at the 1-pixel floor or the budget's own bound.
          const snug =
            (fitted.width + 1) * (fitted.height + 1) > maxPixels ||
            Math.max(fitted.width, fitted.height) + 1 > maxEdge ||
            Math.min(fitted.width, fitted.height) === 1;
          return (
            fits && smaller && (ratioKept || Math.min(fitted.width, fitted.height) === 1) && snug
          );
        },
      ),
      { seed: 5, numRuns: 2000 },
    );
    t.end();
  },
);

t.test("declared sizes over the input ceiling are refused, each with its reason", async (t) => {
  const refusal = (width: number, height: number) => {
    try {
      checkDeclaredSize({ width, height, lossy: false }, BUDGET, PATH);
      return undefined;
    } catch (error) {
      return error;
    }
  };
  t.match(refusal(2 ** 31 - 1, 2 ** 31 - 1), {
    code: "IMAGE_TOO_LARGE",
    httpStatus: 413,
    details: [{ path: PATH, reason: "edge_too_long" }],
  });
  t.match(refusal(10_001, 10_000), {
    code: "IMAGE_TOO_LARGE",
    details: [{ path: PATH, reason: "too_many_pixels" }],
  });
  t.match(refusal(16_385, 1), { details: [{ reason: "edge_too_long" }] });
  t.match(refusal(0, 480), {
    code: "UNSUPPORTED_MEDIA",
    httpStatus: 415,
    details: [{ path: PATH, reason: "invalid_image_header" }],
  });
  t.equal(refusal(10_000, 10_000), undefined, "exactly 100 MP is decoded (to be resized)");
  t.equal(refusal(16_384, 6_000), undefined, "an edge at the ceiling");
  t.throws(() => checkDeclaredSize(undefined, BUDGET, PATH), {
    code: "UNSUPPORTED_MEDIA",
    details: [{ path: PATH, reason: "invalid_image_header" }],
  });
});

t.test("a budget whose forwarded bounds exceed the ceiling is a problem", async (t) => {
  t.equal(budgetProblem(BUDGET), undefined);
  t.equal(budgetProblem(DEFAULT_IMAGE_BUDGET), undefined);
  t.match(budgetProblem({ ...BUDGET, maxPixels: 200_000_000 }), /maxPixels exceeds/);
  t.match(budgetProblem({ ...BUDGET, maxEdge: 20_000 }), /maxEdge exceeds/);
  t.match(budgetProblem({ ...BUDGET, maxEdge: 0 }), /positive integer/);
});

t.test("the JURIST_IMAGE_* settings default to the intake's budget", async (t) => {
  const { images } = loadConfig({});
  t.same(
    {
      maxPixels: images.maxPixels,
      maxEdge: images.maxEdge,
      maxInputPixels: images.maxInputPixels,
      maxInputEdge: images.maxInputEdge,
    },
    DEFAULT_IMAGE_BUDGET,
  );
});
