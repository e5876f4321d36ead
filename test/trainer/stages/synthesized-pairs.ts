import { join } from "node:path";
import { pairIdOf, type SyntheticPair } from "../../../trainer/core/synthetic-pair.ts";
import { openAppender } from "../../../trainer/io/jsonl-files.ts";
import type { SynthesisRecord } from "../../../trainer/stages/synthesize.ts";

/** An open-question pair on one image, as synthesis writes it (error injection, generator `gen`). */
export function openPair(
  promptId: string,
  question: string,
  imageSha256: string,
  chosen: string,
  rejected: string,
): SyntheticPair {
  return {
    pairId: pairIdOf(promptId, chosen, rejected),
    promptId,
    question,
    imageHashes: [imageSha256],
    chosen,
    rejected,
    questionKind: "open",
    recipe: "error_injection",
    generator: "gen",
    generatorPromptVersion: "v1",
  };
}

/** Writes `dir/synthesize.jsonl` as synthesis leaves it: one pair record per [pair, image path]. */
export async function writeSynthesizedPairs(
  dir: string,
  pairs: readonly (readonly [SyntheticPair, string])[],
): Promise<void> {
  const out = await openAppender<SynthesisRecord>(join(dir, "synthesize.jsonl"));
  for (const [pair, path] of pairs) {
    out.add({
      id: pair.promptId,
      outcome: "pair",
      cls: { kind: "open", rule: "no_closed_cue", detail: "" },
      pair,
      imagePaths: [path],
    });
  }
  await out.close();
}
