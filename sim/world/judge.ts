import type { Random } from "../../src/core/seeded-random.ts";
import type { Slot } from "../../src/core/types.ts";
import type { Claim } from "./claims.ts";
import { logit, sigmoid } from "./logistic.ts";
import { hashChance, type PairView, perceive, type SeenSubject } from "./perception.ts";
import type { SkillTable } from "./skills.ts";

export { hashChance };

/**
 * How a simulated judge decides. It sees some of the subjects on which the two responses'
 * claims differ (`perceive`: its eyesight, the base model's capacity per skill), weighs what it
 * saw by how far it trusts each skill — logit(accuracy): a skill below 0.5 has learnt to
 * believe the opposite of what it sees — adds its length bias, and names a slot by a draw
 * against the resulting P(A). Independently, with probability positionBias it names slot A
 * whatever it saw.
 *
 * The draw is a hash of the unordered pair (u in one order, 1 − u in the other), so a judge
 * without lapses names the same response in both orders, and a more accurate judge is right
 * wherever a less accurate one is. On a pair differing in one subject of skill s, with no
 * length difference and full capacity, P(right) = positionBias / 2 + (1 − positionBias) ·
 * accuracy[s].
 */
export interface JudgeParams {
  /** P(right) on a pair differing in one claim of the skill, before position lapses. */
  skills: SkillTable;
  /** P(naming slot A whatever the content), per request. */
  positionBias: number;
  /** Logit added to slot A per 10 words it is longer than slot B (positive: prefers longer). */
  lengthBias: number;
  /**
   * The base model's eyesight per skill, in [0, 1]: the share of differing subjects of that
   * skill it sees at all. Fine-tuning changes `skills`, never this; absent means 1 everywhere.
   */
  capacity?: Partial<SkillTable>;
}

export interface SimVerdict {
  letter: Slot;
  /** The judge's probability of the letter it named, in [0.5, 0.98]. */
  confidence: number;
  positionLapse: boolean;
  /** The subjects it saw, and those it did not. */
  seen: SeenSubject[];
  unseen: { skill: string; subject: string }[];
}

export const WORDS_PER_LENGTH_UNIT = 10;

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * What a judge makes of one pair before position lapses: what it saw (`perceive`, with its
 * eyesight), weighed by how much it trusts each skill (logit of the skill's accuracy, so one
 * seen subject of skill s gives P(right) = accuracy[s]), plus its length bias; P(A).
 */
export function weighEvidence(
  view: PairView,
  params: Pick<JudgeParams, "skills" | "lengthBias" | "capacity">,
) {
  const perception = perceive(view, params.capacity);
  let z =
    (params.lengthBias * (wordCount(view.slotA) - wordCount(view.slotB))) / WORDS_PER_LENGTH_UNIT;
  for (const [skill, e] of Object.entries(perception.evidence)) {
    z += logit(params.skills[skill as keyof JudgeParams["skills"]]) * e!;
  }
  return { probabilityA: sigmoid(z), ...perception };
}

/**
 * A verdict on slots A and B. The final draw is a hash of the unordered pair, used as u in
 * one order and 1 − u in the other, so a judge without lapses names the same response in
 * both orders.
 */
export function decideSimVerdict(input: PairView, params: JudgeParams, rng: Random): SimVerdict {
  const lapse = rng.next() < params.positionBias;
  const weighed = weighEvidence(input, params);
  const [first, second] = [input.slotA, input.slotB].sort();
  const u = hashChance(input.worldKey, input.scene.key, input.question, first!, second!, "verdict");
  const draw = input.slotA === first ? u : 1 - u;
  const content: Slot = draw < weighed.probabilityA ? "A" : "B";
  const letter: Slot = lapse ? "A" : content;
  const pA = params.positionBias + (1 - params.positionBias) * weighed.probabilityA;
  const named = letter === "A" ? pA : 1 - pA;
  const confidence = Math.min(0.98, Math.max(0.5, named));
  return {
    letter,
    confidence,
    positionLapse: lapse,
    seen: weighed.seen,
    unseen: weighed.unseen,
  };
}

function describe(claim: Claim | undefined): string {
  return claim ? `"${claim.value}"` : "nothing";
}

/** The reasoned output: the claims the judge checked and what it saw, then `[[X]]`. */
export function simVerdictReasoning(verdict: SimVerdict, slotA: string, slotB: string): string {
  const lines = ["As a simulated judge, I compared both answers with the image."];
  for (const c of verdict.seen) {
    const seen = (s: boolean | undefined) =>
      s === undefined ? "" : s ? " (matches the image)" : " (does not match the image)";
    lines.push(
      `On the ${c.skill} of ${c.subject}: Assistant A says ${describe(c.a)}${seen(c.seenA)}; Assistant B says ${describe(c.b)}${seen(c.seenB)}.`,
    );
  }
  for (const u of verdict.unseen) lines.push(`I could not verify the ${u.skill} of ${u.subject}.`);
  lines.push(
    `Assistant A uses ${wordCount(slotA)} words and Assistant B uses ${wordCount(slotB)} words.`,
  );
  return `${lines.join(" ")}\n[[${verdict.letter}]]`;
}
