import type { Order, Slot } from "../../src/core/types.ts";
import { hashHex } from "./seeded-hash.ts";
import { chosenSlot, type SyntheticPair } from "./synthetic-pair.ts";
import { buildTrainingExample, flipLabel, type TrainingExample } from "./training-example.ts";
import { verdictTrace } from "./verdict-trace.ts";

/**
 * The judge filter (PAPER.md step 2): the current judge judges each synthetic pair in both
 * orders; a pair is kept only when every order prefers the chosen response, which removes
 * position bias from the training data, and each kept order becomes one example whose
 * target is the judge's own reasoning.
 */

/**
 * How several samples of one order decide it. `all` (default): every sample must name the
 * chosen response (an unreadable sample fails the order). `majority`: more than half must.
 */
export type FilterPolicy = "all" | "majority";

/** The judge's raw completions for one order of a pair. */
export interface OrderJudgements {
  order: Order;
  completions: readonly string[];
}

export interface JudgeFilterInput {
  pair: SyntheticPair;
  judgements: readonly OrderJudgements[];
  /** Paths of the pair's images, one per `pair.imageHashes`. */
  imagePaths: string[];
  judgeCheckpoint: string;
  /** The checkpoint the iteration's fine-tune starts from; null for the base model. */
  initCheckpoint?: string | null | undefined;
  iteration: number;
}

export interface JudgeFilterOptions {
  policy?: FilterPolicy;
  /** Orders that must be judged and right; default both. */
  orders?: readonly Order[];
}

/** Why a pair is dropped: an order was not judged, named the rejected response, or was unreadable. */
export type FilterRejection = "missing_order" | "wrong_verdict" | "invalid_verdict";

export type JudgeFilterResult =
  | { kept: true; examples: TrainingExample[] }
  | { kept: false; reason: FilterRejection; order: Order; detail: string };

type OrderDecision =
  | { ok: true; trace: string }
  | { ok: false; reason: FilterRejection; detail: string };

function decideOrder(
  completions: readonly string[],
  want: Slot,
  policy: FilterPolicy,
): OrderDecision {
  if (completions.length === 0) {
    return { ok: false, reason: "missing_order", detail: "no completions" };
  }
  const reads = completions.map(verdictTrace);
  const right = reads.filter((read) => read?.slot === want);
  const wrong = reads.filter((read) => read !== null && read.slot !== want).length;
  const pass = policy === "all" ? right.length === reads.length : right.length * 2 > reads.length;
  if (pass) return { ok: true, trace: right[0]!.trace };
  const detail = `${right.length} right, ${wrong} wrong, ${reads.length - right.length - wrong} unreadable`;
  return { ok: false, reason: wrong > 0 ? "wrong_verdict" : "invalid_verdict", detail };
}

/**
 * Keeps a pair when every required order prefers the chosen response under the policy,
 * and returns one example per required order, each with the first right completion's
 * trace. The first failing order names the reason.
 */
export function filterJudgedPair(
  input: JudgeFilterInput,
  options: JudgeFilterOptions = {},
): JudgeFilterResult {
  const policy = options.policy ?? "all";
  const examples: TrainingExample[] = [];
  for (const order of options.orders ?? (["AB", "BA"] as const)) {
    const completions = input.judgements
      .filter((judged) => judged.order === order)
      .flatMap((judged) => judged.completions);
    const decision = decideOrder(completions, chosenSlot(order), policy);
    if (!decision.ok) {
      return { kept: false, reason: decision.reason, order, detail: decision.detail };
    }
    examples.push(buildTrainingExample({ ...input, order, trace: decision.trace }));
  }
  return { kept: true, examples };
}

/**
 * Which pairs an ablation arm keeps (see `IterationPolicy.filter`): `both-orders` is
 * `filterJudgedPair`; `ab-only` keeps a pair the judge got right in the AB order (chosen in
 * slot A) and trains on what the judge said in each order — the AB verdict, and the BA
 * verdict whether right or wrong — so a judge that got the pair right only with the chosen
 * response first passes on whatever made it say A; `none` keeps every pair with an example
 * per order.
 */
export type FilterArm = "both-orders" | "ab-only" | "none";

/** `none` keeps everything: orders whose target is the bare marker, because the judge disagreed. */
export type ArmFilterResult = JudgeFilterResult & { bareTraces?: Order[] };

export function filterJudgedPairFor(input: JudgeFilterInput, arm: FilterArm): ArmFilterResult {
  if (arm === "both-orders") return filterJudgedPair(input);
  if (arm === "ab-only") return abOnly(input);
  const examples: TrainingExample[] = [];
  const bareTraces: Order[] = [];
  for (const order of ["AB", "BA"] as const) {
    const completions = input.judgements
      .filter((judged) => judged.order === order)
      .flatMap((judged) => judged.completions);
    const want = chosenSlot(order);
    const decision = decideOrder(completions, want, "all");
    if (!decision.ok) bareTraces.push(order);
    const trace = decision.ok ? decision.trace : `[[${want}]]`;
    examples.push(buildTrainingExample({ ...input, order, trace }));
  }
  return { kept: true, examples, bareTraces };
}

/** The BA example of a pair kept for its AB verdict: the judge's own BA verdict as the target. */
function abOnly(input: JudgeFilterInput): JudgeFilterResult {
  const kept = filterJudgedPair(input, { orders: ["AB"] });
  if (!kept.kept) return kept;
  const said = input.judgements
    .filter((judged) => judged.order === "BA")
    .flatMap((judged) => judged.completions)
    .map(verdictTrace)
    .find((read) => read !== null);
  if (!said) return kept;
  const want = chosenSlot("BA");
  if (said.slot === want) {
    return {
      kept: true,
      examples: [
        ...kept.examples,
        buildTrainingExample({ ...input, order: "BA", trace: said.trace }),
      ],
    };
  }
  // The judge named the rejected response: its example targets that (lineage.flipped).
  const asBuilt = `${said.trace.slice(0, said.trace.lastIndexOf("[["))}[[${want}]]`;
  const example = flipLabel(buildTrainingExample({ ...input, order: "BA", trace: asBuilt }));
  return { kept: true, examples: [...kept.examples, example] };
}

/** What balancing kept and dropped, each in input order. */
export interface BalanceResult {
  kept: TrainingExample[];
  dropped: TrainingExample[];
}

function correctSlot(example: TrainingExample): Slot {
  return chosenSlot(example.lineage.order);
}

/** The larger side's examples, unpaired ones first, each group by seeded hash rank. */
function dropOrder(examples: readonly TrainingExample[], larger: Slot, seed: string | number) {
  const id = (e: TrainingExample, order: string) => `${e.lineage.pairId}\n${order}`;
  const present = new Set(examples.map((e) => id(e, e.lineage.order)));
  return examples
    .map((example, position) => ({ example, position }))
    .filter(({ example }) => correctSlot(example) === larger)
    .map(({ example, position }) => ({
      position,
      paired: present.has(id(example, example.lineage.order === "AB" ? "BA" : "AB")),
      rank: hashHex("balance", seed, example.lineage.pairId, example.lineage.order),
    }))
    .sort(
      (x, y) =>
        Number(x.paired) - Number(y.paired) ||
        (x.rank === y.rank ? x.position - y.position : x.rank < y.rank ? -1 : 1),
    );
}

/**
 * Balances A and B as the correct answer by dropping the surplus |#A − #B| from the larger
 * side. Rule: unpaired examples (whose pair's other order is absent) go first, so both
 * orders of a pair — one A and one B, naturally balanced — are kept together; within a
 * group the lowest SHA-256("balance", seed, pair id, order) goes first (duplicates by position),
 * so the choice depends on the seed, not on input order. With both orders required by the filter,
 * nothing is unpaired and nothing is dropped.
 */
export function balanceSlots(
  examples: readonly TrainingExample[],
  seed: string | number,
): BalanceResult {
  const countA = examples.filter((e) => correctSlot(e) === "A").length;
  const surplus = Math.abs(2 * countA - examples.length);
  const larger: Slot = 2 * countA > examples.length ? "A" : "B";
  const drop = new Set(
    dropOrder(examples, larger, seed)
      .slice(0, surplus)
      .map((c) => c.position),
  );
  return {
    kept: examples.filter((_, i) => !drop.has(i)),
    dropped: examples.filter((_, i) => drop.has(i)),
  };
}
