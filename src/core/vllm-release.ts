/**
 * vLLM release numbers and the constrained-choice field each release reads: the one place the
 * gateway, `jurist doctor`, the simulator's vLLM mode and the tests take them from.
 *
 * vLLM ignores request fields it does not know (`OpenAIBaseModel` has `extra="allow"` and
 * only logs them) and answers 200 unconstrained, so a field the release lacks fails open.
 * - `guided_choice` is a `ChatCompletionRequest` field from the first releases until 0.12.0,
 *   which removed it (vLLM's docs/features/structured_outputs.md: "deprecated API fields which
 *   were removed in v0.12.0"; PR #29326).
 * - `structured_outputs: {choice}` came with PR #22772 ("move to structured outputs config"),
 *   merged into main after 0.10.2 was cut: 0.10.2 has no `StructuredOutputsParams` (TRL
 *   PR #5423 fixes exactly that ImportError on vllm 0.10.2 and keeps `guided_decoding` for
 *   <= 0.10.2), so 0.11.0 is the first release with it. Both work on 0.11.x.
 */
export interface VllmRelease {
  major: number;
  minor: number;
  patch: number;
}

export type ChoiceField = "structured_outputs" | "guided_choice";

export const STRUCTURED_OUTPUTS_SINCE: VllmRelease = { major: 0, minor: 11, patch: 0 };
export const GUIDED_CHOICE_REMOVED_IN: VllmRelease = { major: 0, minor: 12, patch: 0 };

/**
 * `0.11.0`, `0.10.1.1`, `0.10.2rc1`, `0.11.1.dev12+g1a2b3c` (setuptools-scm builds) → the
 * release triple; a pre-release or dev build counts as the release it leads to. Null for what
 * is not a vLLM release: no leading number (`dev`, vLLM's fallback when its version file is
 * missing) or below 0.1.0 (vLLM's first release), such as the simulator's `0.0.0+jurist.sim`.
 */
export function parseVllmRelease(text: unknown): VllmRelease | null {
  if (typeof text !== "string") return null;
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!match) return null;
  const release = {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
  };
  return releaseAtLeast(release, { major: 0, minor: 1, patch: 0 }) ? release : null;
}

export function releaseAtLeast(release: VllmRelease, floor: VllmRelease): boolean {
  if (release.major !== floor.major) return release.major > floor.major;
  if (release.minor !== floor.minor) return release.minor > floor.minor;
  return release.patch >= floor.patch;
}

/** Whether a release reads `field` (the other, or both, it may read too). */
export function readsChoiceField(release: VllmRelease, field: ChoiceField): boolean {
  return field === "structured_outputs"
    ? releaseAtLeast(release, STRUCTURED_OUTPUTS_SINCE)
    : !releaseAtLeast(release, GUIDED_CHOICE_REMOVED_IN);
}

/** The field to send a release: `structured_outputs` where it exists, else `guided_choice`. */
export function choiceFieldOf(release: VllmRelease): ChoiceField {
  return readsChoiceField(release, "structured_outputs") ? "structured_outputs" : "guided_choice";
}
