import { seededIndex } from "./seeded-hash.ts";

/**
 * Majority voting over sampled answers to a closed question (PAPER.md step 1): the winner
 * needs at least `minVotes` votes and a strict plurality; chosen is a response giving it,
 * rejected a response giving a different answer, both picked by seed.
 */

/** The paper's sampling recipe for closed questions. */
export const CLOSED_SAMPLING = {
  samples: 16,
  temperature: 0.6,
  topK: 50,
  topP: 0.9,
} as const;

/** The paper's vote threshold. */
export const DEFAULT_MIN_VOTES = 5;

/** Why a prompt gives no pair. */
export type VoteSkipReason = "tie" | "below_threshold" | "all_agree" | "no_answers";

/** Votes per normalised answer, most first, ties by answer. */
export type VoteTally = Array<{ answer: string; count: number }>;

export type VoteResult =
  | {
      kind: "pair";
      /** Index of a response giving the majority answer. */
      chosen: number;
      /** Index of a response giving a different answer. */
      rejected: number;
      answer: string;
      rejectedAnswer: string;
      votes: VoteTally;
      /** Samples that stated an answer. */
      answered: number;
    }
  | { kind: "skip"; reason: VoteSkipReason; votes: VoteTally; answered: number };

export interface VoteOptions {
  /** Votes the winner needs; default 5. */
  minVotes?: number;
  /** Seeds the choice of the chosen and rejected responses (e.g. iteration seed + prompt id). */
  seed: string | number;
}

function tally(answers: readonly (string | null)[]): VoteTally {
  const counts = new Map<string, number>();
  for (const answer of answers) {
    if (answer !== null) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  }
  // Most votes first, ties by answer; the answers are distinct Map keys, so never equal.
  return [...counts]
    .map(([answer, count]) => ({ answer, count }))
    .sort((x, y) => y.count - x.count || (x.answer < y.answer ? -1 : 1));
}

function skipReason(votes: VoteTally, minVotes: number): VoteSkipReason | null {
  const [top, second] = votes;
  if (!top) return "no_answers";
  if (top.count < minVotes) return "below_threshold";
  if (second && second.count === top.count) return "tie";
  return second ? null : "all_agree";
}

function indicesOf(answers: readonly (string | null)[], keep: (a: string) => boolean): number[] {
  return answers.flatMap((answer, i) => (answer !== null && keep(answer) ? [i] : []));
}

/**
 * Votes over normalised answers (null: the sample stated none). Skip reasons, checked in
 * this order: `no_answers` (none stated), `below_threshold` (the top answer has fewer than
 * minVotes, even when tied), `tie` (two answers share the top count), `all_agree` (every
 * stated answer is the winner, so no rejected response exists; samples without an answer
 * are not "a different answer"). Chosen is the winning samples' entry at
 * `seededIndex(count, "chosen", seed)`, rejected the other stated samples' entry at
 * `seededIndex(count, "rejected", seed)`, each list in sample order.
 */
export function majorityVote(
  answers: readonly (string | null)[],
  options: VoteOptions,
): VoteResult {
  const minVotes = options.minVotes ?? DEFAULT_MIN_VOTES;
  if (!Number.isInteger(minVotes) || minVotes < 1) throw new RangeError(`minVotes must be ≥ 1`);
  const votes = tally(answers);
  const answered = votes.reduce((sum, v) => sum + v.count, 0);
  const reason = skipReason(votes, minVotes);
  if (reason) return { kind: "skip", reason, votes, answered };
  const answer = votes[0]!.answer;
  const winners = indicesOf(answers, (a) => a === answer);
  const losers = indicesOf(answers, (a) => a !== answer);
  const chosen = winners[seededIndex(winners.length, "chosen", options.seed)]!;
  const rejected = losers[seededIndex(losers.length, "rejected", options.seed)]!;
  return {
    kind: "pair",
    chosen,
    rejected,
    answer,
    rejectedAnswer: answers[rejected]!,
    votes,
    answered,
  };
}
