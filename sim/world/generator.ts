import type { InjectedError, Rewrite } from "../../src/core/generator-prompts.ts";
import { createRandom, type Random } from "../../src/core/seeded-random.ts";
import { type Claim, claimsOf, otherValues, renderClaim, sentences } from "./claims.ts";
import { logit, sigmoid } from "./logistic.ts";
import { optionLetters } from "./question-form.ts";
import { goldAnswer, questionSkill } from "./questions.ts";
import type { Scene } from "./scene.ts";
import type { SkillTable } from "./skills.ts";

/**
 * The simulated generator (the policy that answers prompts). It knows the scene it is asked
 * about and answers each skill right with its own accuracy, so a majority of sixteen samples
 * is sometimes wrong; its open answers carry errors; its rewrites sometimes add no error, add
 * one no judge can check, or change the length. It never reads a judge.
 */
export interface GeneratorProfile {
  /** P(a closed answer of the skill is right); also drives the errors of open answers. */
  skills: SkillTable;
  /** P(a claim of an open answer is wrong) = openErrorScale · (1 − skill accuracy). */
  openErrorScale: number;
  /** P(a wrong closed answer is the question's one popular distractor, not a random one). */
  distractorShare: number;
  /** P(one requested rewrite error only rephrases a claim: the rewrite is no worse). */
  rewriteNoError: number;
  /** P(one rewrite error lands in a claim no judge can check: the material of an object). */
  rewriteUncheckable: number;
  /** P(a rewrite also appends a sentence without a claim, making it longer). */
  rewriteLonger: number;
}

const OPENERS = [
  "Looking at the image,",
  "Scanning the picture,",
  "Checking the scene carefully,",
  "Focusing on the relevant part,",
] as const;

function wrongAnswer(
  question: string,
  gold: string,
  rng: Random,
  profile: GeneratorProfile,
): string {
  const letters = optionLetters(question);
  const pool =
    gold === "yes" || gold === "no"
      ? ["yes", "no"]
      : letters.length > 0
        ? letters
        : Array.from({ length: 13 }, (_, n) => String(n));
  const wrong = pool.filter((v) => v !== gold);
  // One wrong answer per question is the tempting one (an off-by-one count, a look-alike
  // option), so wrong samples agree with each other and can outvote the right answer.
  const tempting =
    /^\d+$/.test(gold) && wrong.includes(String(Number(gold) + 1))
      ? String(Number(gold) + 1)
      : wrong[createRandom("distractor", question).int(wrong.length)]!;
  return rng.chance(profile.distractorShare) ? tempting : rng.pick(wrong);
}

/** How much one question's difficulty spreads its accuracy around the skill's, in logits. */
const DIFFICULTY_SPREAD = 1.5;

/**
 * The generator's accuracy on one question: the skill's accuracy shifted by the question's
 * own difficulty (a normal draw from a hash of the question and scene), so on some questions
 * it is usually wrong and its sixteen samples' majority is the tempting wrong answer.
 */
export function questionAccuracy(question: string, scene: Scene, skillAccuracy: number): number {
  const z = createRandom("difficulty", scene.key, question).normal();
  return sigmoid(logit(skillAccuracy, 0.001) + DIFFICULTY_SPREAD * z);
}

/** One sampled answer to a closed question; null when the question is not closed. */
export function closedAnswer(
  question: string,
  scene: Scene,
  profile: GeneratorProfile,
  rng: Random,
): { text: string; answer: string; correct: boolean } | null {
  const skill = questionSkill(question);
  const gold = goldAnswer(question, scene);
  if (!skill || gold === null) return null;
  const correct = rng.chance(questionAccuracy(question, scene, profile.skills[skill]));
  const answer = correct ? gold : wrongAnswer(question, gold, rng, profile);
  const text = `Simulated reasoning: ${rng.pick(OPENERS)} I check the ${skill} the question asks about. The answer is ${answer}.`;
  return { text, answer, correct };
}

/** The claims a description of the scene states, each made wrong at the generator's rate. */
function descriptionClaims(scene: Scene, profile: GeneratorProfile, rng: Random): Claim[] {
  const [a, b, c] = scene.objects as [
    Scene["objects"][0],
    Scene["objects"][0],
    Scene["objects"][0],
  ];
  const claims: Claim[] = [
    { skill: "counting", subject: a.name, value: String(a.count) },
    { skill: "attributes", subject: b.name, value: b.colour },
    { skill: "spatial", subject: `${a.name}|${b.name}`, value: scene.relation },
    { skill: "material", subject: c.name, value: c.material },
    { skill: "text", subject: "sign", value: scene.sign },
  ];
  if (rng.chance(0.5))
    claims.push({
      skill: "reasoning",
      subject: `${a.name}+${c.name}`,
      value: String(a.count + c.count),
    });
  return claims.map((claim) => {
    const accuracy =
      claim.skill === "material"
        ? profile.skills.attributes
        : profile.skills[claim.skill as keyof SkillTable];
    if (!rng.chance(profile.openErrorScale * (1 - accuracy))) return claim;
    return { ...claim, value: rng.pick(otherValues(claim)) };
  });
}

/** A hallucination: a claim that an absent object is there. */
function hallucination(scene: Scene, rng: Random): Claim {
  return { skill: "existence", subject: rng.pick(scene.absent), value: "yes" };
}

/** An open answer: a description of the scene whose claims carry the generator's errors. */
export function openAnswer(scene: Scene, profile: GeneratorProfile, rng: Random): string {
  const claims = descriptionClaims(scene, profile, rng);
  if (rng.chance(profile.openErrorScale * (1 - profile.skills.existence)))
    claims.push(hallucination(scene, rng));
  return `Simulated answer: ${claims.map((claim) => renderClaim(claim)).join(" ")}`;
}

/** A description with every claim true, or with the given claims made false (benchmarks). */
export function describeScene(
  scene: Scene,
  wrong: number,
  rng: Random,
  extra: Claim[] = [],
): string {
  const truthful: GeneratorProfile = {
    skills: {
      counting: 1,
      attributes: 1,
      spatial: 1,
      text: 1,
      existence: 1,
      reasoning: 1,
      safety: 1,
    },
    openErrorScale: 0,
    distractorShare: 0,
    rewriteNoError: 0,
    rewriteUncheckable: 0,
    rewriteLonger: 0,
  };
  const claims = descriptionClaims(scene, truthful, rng).filter((c) => c.skill !== "material");
  for (let i = 0; i < wrong; i++) {
    const at = rng.int(claims.length);
    claims[at] = { ...claims[at]!, value: rng.pick(otherValues(claims[at]!)) };
  }
  return `Simulated answer: ${[...claims, ...extra].map((claim) => renderClaim(claim)).join(" ")}`;
}

export { hallucination };

const ERROR_KIND: Record<Claim["skill"], InjectedError["kind"]> = {
  counting: "count",
  reasoning: "count",
  attributes: "attribute",
  material: "attribute",
  spatial: "spatial",
  text: "text",
  existence: "object",
  safety: "text",
};

const FILLER = "It is a pleasant picture.";

/**
 * A rewrite of `original` meant to carry `errorCount` errors. Each error changes one claim's
 * value, except that with the profile's rates it only rephrases the claim (no error), or
 * changes the material claim no judge can check. The listed errors always name the words
 * changed, as a real rewrite model's report would, whether or not they made it worse.
 */
export function rewriteAnswer(
  original: string,
  errorCount: number,
  profile: GeneratorProfile,
  rng: Random,
): Rewrite {
  const parts = sentences(original);
  const claimAt = parts.map((s) => claimsOf(s, null)[0] ?? null);
  const errors: InjectedError[] = [];
  const used = new Set<number>();
  for (let e = 0; e < errorCount; e++) {
    // An existence claim only ever says "yes" (no sentence says an object is absent), so
    // changing its value would render the same sentence: it is no place for an error.
    const free = claimAt.flatMap((claim, i) =>
      claim && !used.has(i) && claim.skill !== "safety" && claim.skill !== "existence" ? [i] : [],
    );
    if (free.length === 0) break;
    const material = free.find((i) => claimAt[i]!.skill === "material");
    const uncheckable = rng.chance(profile.rewriteUncheckable) && material !== undefined;
    const at = uncheckable ? material! : rng.pick(free);
    const claim = claimAt[at]!;
    used.add(at);
    const before = parts[at]!;
    const after = rng.chance(profile.rewriteNoError)
      ? renderClaim(claim, renderClaim(claim, 0) === before ? 1 : 0)
      : renderClaim(
          { ...claim, value: rng.pick(otherValues(claim)) },
          renderClaim(claim, 1) === before ? 1 : 0,
        );
    if (after === before) continue;
    parts[at] = after;
    errors.push({ kind: ERROR_KIND[claim.skill], from: before, to: after });
  }
  if (rng.chance(profile.rewriteLonger)) parts.push(FILLER);
  const prefix = /^Simulated answer:/i.test(original) ? "Simulated answer: " : "";
  return { text: `${prefix}${parts.join(" ")}`, errors };
}
