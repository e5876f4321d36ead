import t from "tap";
import { claimHolds, claimsOf } from "../../../sim/world/claims.ts";
import {
  closedAnswer,
  describeScene,
  type GeneratorProfile,
  openAnswer,
  questionAccuracy,
  rewriteAnswer,
} from "../../../sim/world/generator.ts";
import { extractStatedAnswer } from "../../../sim/world/question-form.ts";
import { CLOSED_SKILLS, closedQuestion, goldAnswer } from "../../../sim/world/questions.ts";
import { pluralOf } from "../../../sim/world/scene-vocabulary.ts";
import { uniformSkills } from "../../../sim/world/skills.ts";
import { GENERATOR_NOISE } from "../../../sim/world/world-params.ts";
import { createRandom } from "../../../src/core/seeded-random.ts";
import { pairTruth, sceneFor, worldImage } from "../../helpers/sim-world.ts";

const scenes = Array.from({ length: 120 }, (_, i) => sceneFor([worldImage(`gen-${i}`)], ""));

const profile = (overrides: Partial<GeneratorProfile>): GeneratorProfile => ({
  ...GENERATOR_NOISE.low,
  ...overrides,
});

t.test("closed answers: right at the skill's accuracy, stated as the answer", async (t) => {
  for (const accuracy of [0.3, 0.8]) {
    const generator = profile({ skills: uniformSkills(accuracy) });
    let right = 0;
    let total = 0;
    for (const [i, scene] of scenes.entries()) {
      for (const skill of CLOSED_SKILLS) {
        const question = closedQuestion(skill, scene, createRandom("gen-q", i, skill));
        const gold = goldAnswer(question, scene)!;
        for (let s = 0; s < 4; s++) {
          const sample = closedAnswer(
            question,
            scene,
            generator,
            createRandom("gen", i, skill, s),
          )!;
          if (sample.correct !== (sample.answer === gold)) t.fail(`correct flag: ${sample.text}`);
          if (extractStatedAnswer(sample.text) !== sample.answer) t.fail(`stated: ${sample.text}`);
          const [claim] = claimsOf(sample.text, skill);
          if (claim?.value !== sample.answer || claimHolds(claim, scene, gold) !== sample.correct)
            t.fail(`the answer claim disagrees with the sample: ${sample.text}`);
          right += sample.correct ? 1 : 0;
          total++;
        }
      }
    }
    // Per-question difficulty spreads accuracy in logits, which pulls the mean toward 0.5.
    const share = right / total;
    const low = accuracy < 0.5 ? accuracy - 0.02 : 0.5 + (accuracy - 0.5) * 0.6;
    const high = accuracy < 0.5 ? 0.5 - (0.5 - accuracy) * 0.6 : accuracy + 0.02;
    t.ok(
      share > low && share < high,
      `accuracy ${accuracy}: ${share.toFixed(3)} of ${total} right`,
    );
  }
  t.equal(
    closedAnswer("Describe the image.", scenes[0]!, GENERATOR_NOISE.low, createRandom(1)),
    null,
  );
});

t.test("question difficulty: monotone in the skill, and some majorities are wrong", async (t) => {
  const scene = scenes[0]!;
  const question = closedQuestion("counting", scene, createRandom("difficulty"));
  const accuracies = [0.2, 0.4, 0.6, 0.8].map((a) => questionAccuracy(question, scene, a));
  t.same(
    [...accuracies].sort((a, b) => a - b),
    accuracies,
    accuracies.join(" < "),
  );
  let wrongMajorities = 0;
  for (const [i, s] of scenes.entries()) {
    const q = closedQuestion("counting", s, createRandom("majority", i));
    const gold = goldAnswer(q, s);
    const votes = new Map<string, number>();
    for (let k = 0; k < 16; k++) {
      const sample = closedAnswer(q, s, GENERATOR_NOISE.low, createRandom("m", i, k))!;
      votes.set(sample.answer, (votes.get(sample.answer) ?? 0) + 1);
    }
    const top = [...votes].sort((a, b) => b[1] - a[1])[0]![0];
    if (top !== gold) wrongMajorities++;
  }
  t.ok(
    wrongMajorities >= 6 && wrongMajorities <= 60,
    `the majority of 16 is wrong on ${wrongMajorities}/120 counting questions`,
  );
});

t.test("open answers carry errors at the profile's rate; a perfect generator none", async (t) => {
  const perfect = profile({ skills: uniformSkills(1) });
  const errorRate = (generator: GeneratorProfile) => {
    let errors = 0;
    let claims = 0;
    for (const [i, scene] of scenes.entries()) {
      for (const claim of claimsOf(openAnswer(scene, generator, createRandom("open", i)), null)) {
        claims++;
        if (!claimHolds(claim, scene, null)) errors++;
      }
    }
    return errors / claims;
  };
  for (const [i, scene] of scenes.entries()) {
    const clean = openAnswer(scene, perfect, createRandom("open", i));
    for (const claim of claimsOf(clean, null)) {
      if (!claimHolds(claim, scene, null)) t.fail(`a perfect generator erred: ${clean}`);
    }
  }
  // high: skills 0.3–0.65 scaled by 0.8 (≈ 0.42 per claim, plus hallucinations); low ≈ 0.15.
  const low = errorRate(GENERATOR_NOISE.low);
  const high = errorRate(GENERATOR_NOISE.high);
  t.ok(low > 0.07 && low < 0.25, `low noise: ${low.toFixed(3)} of claims false`);
  t.ok(high > 0.3 && high < 0.6, `high noise: ${high.toFixed(3)} of claims false`);
});

t.test("describeScene: true, or with exactly the asked number of false claims", async (t) => {
  for (const [i, scene] of scenes.entries()) {
    const truthful = describeScene(scene, 0, createRandom("describe", i));
    const wrong = describeScene(scene, 1, createRandom("describe", i));
    const falseIn = (text: string) =>
      claimsOf(text, null).filter((claim) => !claimHolds(claim, scene, null)).length;
    if (falseIn(truthful) !== 0 || falseIn(wrong) !== 1) t.fail(`${truthful} / ${wrong}`);
    if (pairTruth("Describe the image.", scene, truthful, wrong) !== 1) t.fail("truth");
  }
  t.pass("checked");
});

t.test("rewrites: errors name the changed sentences; the profile's rates shape them", async (t) => {
  const rewritesOf = (overrides: Partial<GeneratorProfile>, errorCount = 1) =>
    scenes.map((scene, i) => {
      const original = openAnswer(
        scene,
        profile({ skills: uniformSkills(1) }),
        createRandom("o", i),
      );
      const rewrite = rewriteAnswer(
        original,
        errorCount,
        profile(overrides),
        createRandom("rw", i),
      );
      return {
        scene,
        original,
        rewrite,
        truth: pairTruth("Describe it.", scene, original, rewrite.text),
      };
    });
  const harmful = rewritesOf({ rewriteNoError: 0, rewriteUncheckable: 0, rewriteLonger: 0 }, 2);
  for (const { original, rewrite, truth } of harmful) {
    if (truth !== 1) t.fail(`a harmful rewrite is not worse: ${rewrite.text}`);
    if (rewrite.errors.length !== 2) t.fail(`${rewrite.errors.length} errors listed`);
    for (const error of rewrite.errors) {
      if (
        !original.includes(error.from) ||
        !rewrite.text.includes(error.to) ||
        error.from === error.to
      )
        t.fail(`error ${JSON.stringify(error)} does not name the change`);
    }
    if (rewrite.text.includes("pleasant")) t.fail("rewriteLonger 0 never appends");
  }
  const rephrased = rewritesOf({ rewriteNoError: 1, rewriteUncheckable: 0, rewriteLonger: 0 });
  for (const { original, rewrite, truth } of rephrased) {
    if (truth !== 0) t.fail(`a rephrasing changed the truth: ${rewrite.text}`);
    if (rewrite.errors.length !== 1 || rewrite.text === original)
      t.fail("it still reports an error");
    t.same(claimsOf(rewrite.text, null), claimsOf(original, null), "the same claims");
  }
  const uncheckable = rewritesOf({ rewriteNoError: 0, rewriteUncheckable: 1, rewriteLonger: 1 });
  for (const { original, rewrite } of uncheckable) {
    const changed = claimsOf(rewrite.text, null).filter(
      (claim) => !claimsOf(original, null).some((c) => JSON.stringify(c) === JSON.stringify(claim)),
    );
    const hasMaterial = claimsOf(original, null).some((c) => c.skill === "material");
    if (hasMaterial && (changed.length !== 1 || changed[0]!.skill !== "material"))
      t.fail(`an uncheckable error changed ${JSON.stringify(changed)}`);
    if (!rewrite.text.endsWith("It is a pleasant picture.")) t.fail("rewriteLonger 1 appends");
  }
  t.same(
    rewriteAnswer(harmful[0]!.original, 2, GENERATOR_NOISE.low, createRandom("same")),
    rewriteAnswer(harmful[0]!.original, 2, GENERATOR_NOISE.low, createRandom("same")),
    "deterministic for a seed",
  );
});

t.test("a rewrite never spends an error on an existence claim (it cannot say 'no')", async (t) => {
  for (const [i, scene] of scenes.entries()) {
    const original = `Simulated answer: There is also a ${scene.absent[0]} in the scene. The ${pluralOf(scene.objects[0]!.name)} are ${scene.objects[0]!.colour}.`;
    const rewrite = rewriteAnswer(
      original,
      1,
      profile({ rewriteNoError: 0, rewriteUncheckable: 0, rewriteLonger: 0 }),
      createRandom("existence", i),
    );
    if (
      rewrite.errors.length !== 1 ||
      rewrite.text === original ||
      rewrite.errors[0]!.kind !== "attribute"
    )
      t.fail(`the error went nowhere: ${JSON.stringify(rewrite)}`);
  }
  t.pass("checked");
});
