import { claimHolds, claimsOf } from "./claims.ts";
import { goldAnswer, questionSkill } from "./questions.ts";
import type { Scene } from "./scene.ts";

/**
 * The world's truth about a preference pair: 1 when `chosen` is truly better (its claims
 * that differ from `rejected`'s hold more often, materials included), −1 when worse, 0 when
 * nothing that differs separates them (a rewrite that only rephrased). Only label-precision
 * measurement reads this — never the pipeline or the fine-tune.
 */
export function pairTruth(
  question: string,
  scene: Scene,
  chosen: string,
  rejected: string,
): -1 | 0 | 1 {
  const skill = questionSkill(question);
  const gold = goldAnswer(question, scene);
  const a = claimsOf(chosen, skill);
  const b = claimsOf(rejected, skill);
  const key = (c: { skill: string; subject: string }) => `${c.skill}|${c.subject}`;
  let score = 0;
  for (const k of new Set([...a, ...b].map(key))) {
    const holds = (list: typeof a) => {
      const claim = list.find((c) => key(c) === k);
      return claim === undefined ? 0 : claimHolds(claim, scene, gold) ? 1 : -1;
    };
    score += Math.sign(holds(a) - holds(b));
  }
  return score > 0 ? 1 : score < 0 ? -1 : 0;
}
