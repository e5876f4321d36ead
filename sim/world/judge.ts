import { createHash } from "node:crypto";
import type { Random } from "../../src/core/seeded-random.ts";
import type { Slot } from "../../src/core/types.ts";
import { type Claim, claimHolds, claimsOf, renderClaim, sameAnswer } from "./claims.ts";
import { goldAnswer, questionSkill } from "./questions.ts";
import type { Scene } from "./scene.ts";
import { isJudgeSkill, type SkillTable } from "./skills.ts";

/**
 * How a simulated judge decides. For each subject on which the two responses' claims differ,
 * it checks the claims against the scene with its skill's reliability ρ = 2·accuracy − 1
 * (a negative ρ means it has learnt to believe the opposite of what it sees); claims of a
 * kind it has no skill for (materials) are never checked. Checked evidence decides the
 * verdict; with none, a length bias tilts a guess. Independently, with probability
 * positionBias it names slot A whatever it saw.
 *
 * Which subjects it manages to check is drawn from a hash of the item, the same for every
 * replica, order and checkpoint: a judge with higher accuracy checks everything a weaker one
 * checks, and swapping the slots changes nothing but position lapses. On a pair differing in
 * one subject of skill s, with no length difference and full capacity, P(right) =
 * positionBias / 2 + (1 − positionBias) · accuracy[s].
 */
export interface JudgeParams {
  /** P(right) on a pair differing in one claim of the skill, before position lapses. */
  skills: SkillTable;
  /** P(naming slot A whatever the content), per request. */
  positionBias: number;
  /** Logit added to slot A per 10 words it is longer than slot B (positive: prefers longer). */
  lengthBias: number;
  /**
   * How much of each skill the model's vision can ever deliver, in (0, 1]: the reliability it
   * checks with is (2·accuracy − 1)·capacity. Fine-tuning changes `skills`, never this (it is
   * the base model's eyesight); absent means 1 everywhere.
   */
  capacity?: Partial<SkillTable>;
}

/** Evidence on one subject, once checked. */
export interface CheckedSubject {
  skill: string;
  subject: string;
  a: Claim | undefined;
  b: Claim | undefined;
  /** What the judge concluded each side's claim is (true = matches the image). */
  seenA: boolean | undefined;
  seenB: boolean | undefined;
}

export interface SimVerdict {
  letter: Slot;
  /** The judge's probability of the letter it named, in [0.5, 0.98]. */
  confidence: number;
  positionLapse: boolean;
  checked: CheckedSubject[];
  /** Subjects that differed but were not checked. */
  unchecked: { skill: string; subject: string }[];
}

/** Slack on checked evidence: one checked subject decides a verdict almost surely. */
const EVIDENCE_LOGIT = 6;
export const WORDS_PER_LENGTH_UNIT = 10;

/** A uniform number in [0, 1) from the parts (the world's hash-chance, not a stream). */
export function hashChance(...parts: readonly string[]): number {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

const keyOf = (claim: Claim) => `${claim.skill}|${claim.subject}`;

function differing(a: Claim[], b: Claim[]): { key: string; a?: Claim; b?: Claim }[] {
  const keys = new Set([...a.map(keyOf), ...b.map(keyOf)]);
  return [...keys].flatMap((key) => {
    const ca = a.find((c) => keyOf(c) === key);
    const cb = b.find((c) => keyOf(c) === key);
    if (ca && cb && sameAnswer(ca.value, cb.value)) return [];
    return [{ key, ...(ca ? { a: ca } : {}), ...(cb ? { b: cb } : {}) }];
  });
}

/** What a judge of `skills` makes of one pair, before position lapses: evidence and P(A). */
export function weighEvidence(
  input: { question: string; scene: Scene; slotA: string; slotB: string; worldKey: string },
  params: Pick<JudgeParams, "skills" | "lengthBias" | "capacity">,
) {
  const skill = questionSkill(input.question);
  const gold = goldAnswer(input.question, input.scene);
  const claimsA = claimsOf(input.slotA, skill);
  const claimsB = claimsOf(input.slotB, skill);
  const checked: CheckedSubject[] = [];
  const unchecked: SimVerdict["unchecked"] = [];
  let evidence = 0;
  for (const diff of differing(claimsA, claimsB)) {
    const [kind, subject] = diff.key.split("|", 2) as [string, string];
    const rest = diff.key.slice(kind.length + 1);
    if (!isJudgeSkill(kind)) {
      unchecked.push({ skill: kind, subject: rest });
      continue;
    }
    const rho = (2 * params.skills[kind] - 1) * (params.capacity?.[kind] ?? 1);
    const side = (claim: Claim | undefined, other: Claim | undefined) =>
      claim ? `${renderClaim(claim)}` : `(silent; other says ${other ? renderClaim(other) : ""})`;
    const draw = hashChance(
      input.worldKey,
      input.scene.key,
      input.question,
      diff.key,
      [side(diff.a, diff.b), side(diff.b, diff.a)].sort().join("\n"),
    );
    if (draw >= Math.abs(rho)) {
      unchecked.push({ skill: kind, subject: rest || subject });
      continue;
    }
    const see = (claim: Claim | undefined) => {
      if (!claim) return undefined;
      const holds = claimHolds(claim, input.scene, gold);
      return rho >= 0 ? holds : !holds;
    };
    const seenA = see(diff.a);
    const seenB = see(diff.b);
    const score = (seen: boolean | undefined) => (seen === undefined ? 0 : seen ? 1 : -1);
    evidence += Math.max(-1, Math.min(1, score(seenA) - score(seenB)));
    checked.push({ skill: kind, subject: rest, a: diff.a, b: diff.b, seenA, seenB });
  }
  const lengthTerm =
    (params.lengthBias * (wordCount(input.slotA) - wordCount(input.slotB))) / WORDS_PER_LENGTH_UNIT;
  const logit = EVIDENCE_LOGIT * evidence + lengthTerm;
  return { probabilityA: 1 / (1 + Math.exp(-logit)), checked, unchecked };
}

/**
 * A verdict on slots A and B. The final draw is a hash of the unordered pair, used as u in
 * one order and 1 − u in the other, so a judge without lapses names the same response in
 * both orders.
 */
export function decideSimVerdict(
  input: { question: string; scene: Scene; slotA: string; slotB: string; worldKey: string },
  params: JudgeParams,
  rng: Random,
): SimVerdict {
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
    checked: weighed.checked,
    unchecked: weighed.unchecked,
  };
}

function describe(claim: Claim | undefined): string {
  return claim ? `"${claim.value}"` : "nothing";
}

/** The reasoned output: the claims the judge checked and what it saw, then `[[X]]`. */
export function simVerdictReasoning(verdict: SimVerdict, slotA: string, slotB: string): string {
  const lines = ["As a simulated judge, I compared both answers with the image."];
  for (const c of verdict.checked) {
    const seen = (s: boolean | undefined) =>
      s === undefined ? "" : s ? " (matches the image)" : " (does not match the image)";
    lines.push(
      `On the ${c.skill} of ${c.subject}: Assistant A says ${describe(c.a)}${seen(c.seenA)}; Assistant B says ${describe(c.b)}${seen(c.seenB)}.`,
    );
  }
  for (const u of verdict.unchecked)
    lines.push(`I could not verify the ${u.skill} of ${u.subject}.`);
  lines.push(
    `Assistant A uses ${wordCount(slotA)} words and Assistant B uses ${wordCount(slotB)} words.`,
  );
  return `${lines.join(" ")}\n[[${verdict.letter}]]`;
}
