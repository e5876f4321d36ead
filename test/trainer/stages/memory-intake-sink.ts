import type { IntakePrompt, IntakeSink, IntakeSkip } from "../../../trainer/stages/intake-sink.ts";

/** An intake sink that keeps what intake admits and skips in memory, for tests to read. */
export function memorySink() {
  const admitted: IntakePrompt[] = [];
  const skipped: IntakeSkip[] = [];
  const sink = {
    decided: () => false,
    admit: (prompt: IntakePrompt) => admitted.push(prompt),
    skip: (skip: IntakeSkip) => skipped.push(skip),
    flush: async () => {},
  } as unknown as IntakeSink;
  return { sink, admitted, skipped };
}
