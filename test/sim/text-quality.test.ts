import fc from "fast-check";
import t from "tap";
import {
  compareQuality,
  DEFAULT_WORLD_KEY,
  normaliseText,
  qualityOf,
} from "../../sim/text-quality.ts";

t.test("quality ignores layout but not content", async (t) => {
  const text = "Two red dogs sit  to the left\nof a bench.";
  t.same(qualityOf(`  ${text} `), qualityOf(normaliseText(text)));
  t.equal(normaliseText(" a \n\t b "), "a b");
  const other = qualityOf("Two red dogs sit to the left of a bench!");
  t.not(other.score, qualityOf(text).score);
});

t.test("the classes split about evenly and scores lie in [0, 1)", async (t) => {
  const qualities = Array.from({ length: 2000 }, (_, i) => qualityOf(`text number ${i}`));
  const sound = qualities.filter((q) => q.class === "sound").length;
  const scores = qualities.map((q) => q.score);
  t.ok(sound > 900 && sound < 1100, `sound share ${sound}/2000`);
  t.ok(Math.min(...scores) >= 0 && Math.max(...scores) < 1, "scores in [0, 1)");
  t.ok(Math.max(...scores) - Math.min(...scores) > 0.9, "scores spread over the range");
});

t.test("sound beats flawed, identical texts tie, and the order is antisymmetric", async (t) => {
  const texts = Array.from({ length: 40 }, (_, i) => `candidate ${i}`);
  const sound = texts.find((x) => qualityOf(x).class === "sound")!;
  const flawed = texts.find((x) => qualityOf(x).class === "flawed")!;
  t.equal(compareQuality(sound, flawed), 1);
  t.equal(compareQuality(flawed, sound), -1);
  t.equal(compareQuality(sound, ` ${sound}\n`), 0);
  fc.assert(
    fc.property(fc.string(), fc.string(), (x, y) => compareQuality(x, y) === -compareQuality(y, x)),
  );
});

t.test("the world key changes the truth", async (t) => {
  const texts = Array.from({ length: 64 }, (_, i) => `world text ${i}`);
  const differs = texts.filter(
    (x) => qualityOf(x, DEFAULT_WORLD_KEY).class !== qualityOf(x, "another-world").class,
  );
  t.ok(differs.length > 10, `${differs.length} of 64 texts change class`);
});
