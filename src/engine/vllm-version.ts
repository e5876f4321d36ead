import type { StructuredOutputField } from "./completion-wire.ts";

/**
 * Which vLLM release a replica runs, and the constrained-choice field that release honours.
 *
 * vLLM ignores request fields it does not know (`OpenAIBaseModel` has `extra="allow"` and only
 * logs them) and answers 200 unconstrained, so a field the replica does not have fails open.
 * From vLLM's own source and docs:
 * - `guided_choice` is a `ChatCompletionRequest` field from the first releases until 0.12.0,
 *   which removed it (docs/features/structured_outputs.md: "deprecated API fields which were
 *   removed in v0.12.0"; PR #29326).
 * - `structured_outputs: {choice}` came with PR #22772 ("move to structured outputs config"),
 *   merged into main on 2025-09-18, after the 0.10.2 release was cut, so the first release
 *   that certainly has it is 0.11.0. Both fields work on 0.11.x; below 0.11.0 only
 *   `guided_choice` is certain to, so the switch is made at 0.11.0 (which is also correct if
 *   0.10.2 already had the new field: `guided_choice` still worked there).
 */
export const STRUCTURED_OUTPUTS_SINCE: VllmVersion = { major: 0, minor: 11, patch: 0 };

/** The setting: a field to always use, or `auto` to choose per replica from its version. */
export type StructuredOutputSetting = StructuredOutputField | "auto";

/** A release number read from `GET /version` (`{"version": "0.11.0"}`). */
export interface VllmVersion {
  major: number;
  minor: number;
  patch: number;
}

/**
 * `0.11.0`, `0.10.1.1`, `0.10.2rc1`, `0.11.1.dev12+g1a2b3c` (setuptools-scm builds) → the
 * release triple; a pre-release or dev build counts as the release it leads to (harmless
 * here: on either side of 0.11.0 the chosen field exists). Null for what is not a vLLM release: no
 * leading number (`dev`, vLLM's fallback when its version file is missing) or below 0.1.0
 * (vLLM's first release), such as the simulator's `0.0.0+jurist.sim`.
 */
export function parseVllmVersion(text: unknown): VllmVersion | null {
  if (typeof text !== "string") return null;
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!match) return null;
  const version = {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
  };
  return atLeast(version, { major: 0, minor: 1, patch: 0 }) ? version : null;
}

function atLeast(version: VllmVersion, floor: VllmVersion): boolean {
  if (version.major !== floor.major) return version.major > floor.major;
  if (version.minor !== floor.minor) return version.minor > floor.minor;
  return version.patch >= floor.patch;
}

/**
 * The field to send a replica: the setting when it names one; under `auto`, `guided_choice`
 * below 0.11.0 and `structured_outputs` from it. An unreadable version gets
 * `structured_outputs`: current releases have only that one.
 */
export function choiceFieldFor(
  setting: StructuredOutputSetting,
  version: VllmVersion | null,
): StructuredOutputField {
  if (setting !== "auto") return setting;
  if (version === null) return "structured_outputs";
  return atLeast(version, STRUCTURED_OUTPUTS_SINCE) ? "structured_outputs" : "guided_choice";
}
