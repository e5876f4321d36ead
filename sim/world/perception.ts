import { createHash } from "node:crypto";
import { type Claim, claimHolds, claimsOf, renderClaim, sameAnswer } from "./claims.ts";
import { goldAnswer, questionSkill } from "./questions.ts";
import type { Scene } from "./scene.ts";
import { isJudgeSkill, type JudgeSkill, type SkillTable } from "./skills.ts";

/**
 * What a model sees when it looks at two answers and their image: on each subject where the
 * answers' claims differ, it either sees what the image shows there (with its eyesight, the
 * capacity of that skill) or sees nothing. Which subjects it sees is a hash of the item, the
 * same in both orders, for every checkpoint of one base model, and for the judge and the
 * simulated fine-tune alike — the fine-tune learns from what the model can see, not from the
 * world's truth.
 */

/** A pair as someone looking at it has it. */
export interface PairView {
  question: string;
  scene: Scene;
  slotA: string;
  slotB: string;
  worldKey: string;
}

/** One subject the model saw: what each side claims and whether the image bears it out. */
export interface SeenSubject {
  skill: JudgeSkill;
  subject: string;
  a: Claim | undefined;
  b: Claim | undefined;
  seenA: boolean | undefined;
  seenB: boolean | undefined;
}

export interface Perception {
  seen: SeenSubject[];
  /** Subjects that differed but were not seen (no skill for them, or beyond the eyesight). */
  unseen: { skill: string; subject: string }[];
  /** Per skill, which slot what was seen favours: −1 (B), 0, 1 (A). */
  evidence: Partial<Record<JudgeSkill, number>>;
}

/** A uniform number in [0, 1) from the parts (the world's hash-chance, not a stream). */
export function hashChance(...parts: readonly string[]): number {
  const digest = createHash("sha256").update(JSON.stringify(parts)).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
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

const clip = (x: number) => Math.max(-1, Math.min(1, x));
const score = (seen: boolean | undefined) => (seen === undefined ? 0 : seen ? 1 : -1);

/** What a model with this eyesight (capacity per skill; absent = 1) sees of a pair. */
export function perceive(view: PairView, capacity: Partial<SkillTable> | undefined): Perception {
  const skill = questionSkill(view.question);
  const gold = goldAnswer(view.question, view.scene);
  const seen: SeenSubject[] = [];
  const unseen: Perception["unseen"] = [];
  const evidence: Perception["evidence"] = {};
  const describe = (claim: Claim | undefined) => (claim ? renderClaim(claim) : "");
  for (const diff of differing(claimsOf(view.slotA, skill), claimsOf(view.slotB, skill))) {
    const kind = diff.key.slice(0, diff.key.indexOf("|"));
    const subject = diff.key.slice(kind.length + 1);
    const sides = [describe(diff.a), describe(diff.b)].sort().join("\n");
    const draw = hashChance(view.worldKey, view.scene.key, view.question, diff.key, sides);
    if (!isJudgeSkill(kind) || draw >= (capacity?.[kind] ?? 1)) {
      unseen.push({ skill: kind, subject });
      continue;
    }
    const see = (claim: Claim | undefined) =>
      claim ? claimHolds(claim, view.scene, gold) : undefined;
    const item = {
      skill: kind,
      subject,
      a: diff.a,
      b: diff.b,
      seenA: see(diff.a),
      seenB: see(diff.b),
    };
    seen.push(item);
    evidence[kind] = clip((evidence[kind] ?? 0) + clip(score(item.seenA) - score(item.seenB)));
  }
  return { seen, unseen, evidence };
}
