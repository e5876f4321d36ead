import { answerContext, finalAnswer } from "./answer-normalisation.ts";
import { majorityVote, type VoteResult } from "./majority-vote.ts";
import type { QuestionClass } from "./question-classifier.ts";

/** One closed prompt's sampled responses, ready to vote on. */
export interface ClosedVoteInput {
  question: string;
  /** The question's classification (its rule gives the answer form). */
  cls: QuestionClass;
  /** The sampled responses, in sample order. */
  responses: readonly string[];
  /** Seeds the chosen/rejected picks; use one per prompt and iteration. */
  seed: string | number;
  /** Votes the winner needs; default 5. */
  minVotes?: number;
  /** Word limit of a final answer; default 8. */
  maxWords?: number;
}

/** The normalised answer of every sample (null: none stated) and the vote over them. */
export interface ClosedVote {
  answers: (string | null)[];
  vote: VoteResult;
}

/**
 * Extracts and normalises each sample's final answer with the question's context (its
 * options and answer form), then votes. Chosen/rejected index into `responses`.
 */
export function voteOnSamples(input: ClosedVoteInput): ClosedVote {
  const context = answerContext(input.question, input.cls);
  // An absent option stays undefined, which the readers default (`??`) as if it were unset.
  const extraction = { maxWords: input.maxWords };
  const answers = input.responses.map((response) => finalAnswer(response, context, extraction));
  const vote = majorityVote(answers, { seed: input.seed, minVotes: input.minVotes });
  return { answers, vote };
}
