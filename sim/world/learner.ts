import { createHash } from "node:crypto";
import { createRandom } from "../../src/core/seeded-random.ts";
import { type JudgeParams, WORDS_PER_LENGTH_UNIT, wordCount } from "./judge.ts";
import { clampP, logit, sigmoid } from "./logistic.ts";
import { type PairView, perceive } from "./perception.ts";
import { JUDGE_SKILLS, type JudgeSkill, type SkillTable } from "./skills.ts";

/**
 * The simulated fine-tune's learning step: logistic regression by SGD. It fits a judge's
 * parameters to a dataset's verdicts from what a judge can see in each example — on which
 * skills the two answers differ and which side the image bears out there, their lengths, and
 * the slot order — starting from the init checkpoint's parameters:
 *
 *   P(verdict A) = b + (1 − b) · σ(Σ_s w_s · e_s + w_len · Δlen / 10 + m_pair · d)
 *
 * e_s ∈ {−1, 0, 1} is what the model sees in the image for slot A on skill s (its eyesight:
 * the same `perceive` the judge looks with), b = σ(β) the position
 * lapse, and m_pair a per-pair memorisation weight (d = ±1 by which response sits in slot A)
 * that soaks up what only one pair shows: repeating a pair feeds it, so duplicates teach the
 * shared weights less than fresh pairs do. After training, a skill's accuracy is σ(w_s).
 *
 * The learner reads only the example — the image as the model sees it, the texts, the order,
 * the verdict — never an oracle's label, an arm, or an iteration number (its visiting order is
 * seeded from those features, not from the file's lineage columns).
 * Wrong labels push w_s toward believing the opposite of what the image shows; examples of one
 * slot only push β up.
 */

/** What the learner reads off one example. */
export interface LearnerExample {
  /** The image's evidence for slot A per skill where the answers differ. */
  evidence: Partial<Record<JudgeSkill, number>>;
  /** (words in A − words in B) / 10. */
  length: number;
  /** Identifies the pair regardless of order, and which side of it sits in slot A. */
  pairKey: string;
  pairSide: 1 | -1;
  /** The verdict: 1 for A, 0 for B. */
  label: 0 | 1;
}

export interface LearnerOptions {
  /** SGD step in logit space per example. */
  step: number;
  epochs: number;
  /** L2 pull of the shared weights toward the init, spread over the dataset. */
  priorStrength: number;
  /** L2 pull of each memorisation weight toward 0, per step. */
  memoryDecay: number;
  /**
   * How much faster a pair's own weight learns than the shared ones: a network memorises one
   * example long before what it shows generalises, so a repeated pair is soon fitted by its
   * own weight and its repeats teach the shared ones less.
   */
  memoryRate: number;
  /** Seeds the order examples are visited in (derive it from the dataset's content). */
  shuffleSeed: string;
}

export const DEFAULT_LEARNER: Omit<LearnerOptions, "step" | "epochs" | "shuffleSeed"> = {
  priorStrength: 2,
  memoryDecay: 0.01,
  memoryRate: 5,
};

/**
 * Reads one example's features: what the model sees of the pair (`perceive`, with the base
 * model's eyesight — the same sight the judge has), the lengths, the slot order, the verdict.
 */
export function exampleFeatures(
  input: PairView & { verdict: "A" | "B" },
  capacity: Partial<SkillTable> | undefined,
): LearnerExample {
  const [first] = [input.slotA, input.slotB].sort();
  return {
    evidence: perceive(input, capacity).evidence,
    length: (wordCount(input.slotA) - wordCount(input.slotB)) / WORDS_PER_LENGTH_UNIT,
    pairKey: `${input.scene.key}\n${input.question}\n${[input.slotA, input.slotB].sort().join("\n")}`,
    pairSide: input.slotA === first ? 1 : -1,
    label: input.verdict === "A" ? 1 : 0,
  };
}

/** A seed for the visiting order from the examples alone (not the file's other columns). */
export function contentSeed(examples: readonly LearnerExample[]): string {
  const hash = createHash("sha256");
  for (const x of examples)
    hash.update(JSON.stringify([x.pairKey, x.pairSide, x.label, x.length, x.evidence]));
  return hash.digest("hex");
}

/** Per-epoch mean log-loss, and the fitted parameters. */
export interface LearnerResult {
  params: JudgeParams;
  losses: number[];
}

/** Fits `init` to the examples. Deterministic for equal inputs. */
export function fitJudge(
  init: JudgeParams,
  examples: readonly LearnerExample[],
  options: LearnerOptions,
): LearnerResult {
  const w0 = Object.fromEntries(JUDGE_SKILLS.map((s) => [s, logit(init.skills[s])])) as Record<
    JudgeSkill,
    number
  >;
  const w = { ...w0 };
  const len0 = init.lengthBias;
  const beta0 = logit(init.positionBias);
  let len = len0;
  let beta = beta0;
  const memory = new Map<string, number>();
  const n = Math.max(1, examples.length);
  const prior = options.priorStrength / n;
  const order = examples.map((_, i) => i);
  const rng = createRandom("learner-order", options.shuffleSeed);
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let loss = 0;
    for (const index of order) {
      const x = examples[index]!;
      const m = memory.get(x.pairKey) ?? 0;
      let z = len * x.length + m * x.pairSide;
      for (const [s, e] of Object.entries(x.evidence)) z += w[s as JudgeSkill] * e!;
      const b = sigmoid(beta);
      const q = sigmoid(z);
      const p = clampP(b + (1 - b) * q);
      loss -= x.label === 1 ? Math.log(p) : Math.log(1 - p);
      const dp = x.label === 1 ? 1 / p : -1 / (1 - p);
      const dz = dp * (1 - b) * q * (1 - q);
      const dbeta = dp * (1 - q) * b * (1 - b);
      const step = options.step;
      for (const [s, e] of Object.entries(x.evidence)) {
        const k = s as JudgeSkill;
        w[k] += step * (dz * e! - prior * (w[k] - w0[k]));
      }
      len += step * (dz * x.length - prior * (len - len0));
      beta += step * (dbeta - prior * (beta - beta0));
      memory.set(
        x.pairKey,
        m + step * options.memoryRate * (dz * x.pairSide - options.memoryDecay * m),
      );
    }
    losses.push(loss / n);
  }
  return {
    params: {
      skills: Object.fromEntries(
        JUDGE_SKILLS.map((s) => [s, clampP(sigmoid(w[s]))]),
      ) as JudgeParams["skills"],
      positionBias: sigmoid(beta),
      lengthBias: len,
      ...(init.capacity ? { capacity: init.capacity } : {}),
    },
    losses,
  };
}
