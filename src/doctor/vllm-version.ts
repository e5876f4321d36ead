/**
 * vLLM release numbers and what they change for Jurist. `structured_outputs: {choice}` was
 * added to the chat request in 0.10.2; `guided_choice` was removed in 0.12.0 (vLLM's
 * `vllm/entrypoints/openai/protocol.py` at those tags; release notes of v0.10.2 and v0.12.0).
 */
export type ChoiceField = "structured_outputs" | "guided_choice";

/** [major, minor, patch] of a release string such as `0.10.1.1` or `0.11.1rc2.dev5+g…`. */
export function releaseOf(version: string): [number, number, number] | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!match) return null;
  const parts = [Number(match[1]), Number(match[2]), Number(match[3])] as const;
  if (parts[0] === 0 && parts[1] === 0 && parts[2] === 0) return null; // 0.0.0+…: not a release
  return [...parts];
}

function atLeast(release: [number, number, number], floor: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) {
    if (release[i]! !== floor[i]!) return release[i]! > floor[i]!;
  }
  return true;
}

/** The choice field a release honours, or null when the version is not a release. */
export function choiceFieldFor(version: string): ChoiceField | null {
  const release = releaseOf(version);
  if (!release) return null;
  return atLeast(release, [0, 10, 2]) ? "structured_outputs" : "guided_choice";
}

/** Whether a release still honours `field` (both exist from 0.10.2 until 0.12.0). */
export function honoursField(version: string, field: ChoiceField): boolean | null {
  const release = releaseOf(version);
  if (!release) return null;
  return field === "structured_outputs"
    ? atLeast(release, [0, 10, 2])
    : !atLeast(release, [0, 12, 0]);
}
