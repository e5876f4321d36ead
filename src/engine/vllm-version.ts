import { type ChoiceField, choiceFieldOf, type VllmRelease } from "../core/vllm-release.ts";

/**
 * The choice field the gateway sends each replica, from the release its `GET /version` names.
 * The release rules (which release reads which field, and why) are src/core/vllm-release.ts.
 */

/** The setting: a field to always use, or `auto` to choose per replica from its version. */
export type StructuredOutputSetting = ChoiceField | "auto";

/**
 * The field to send a replica: the setting when it names one; under `auto`, the field the
 * release reads (`guided_choice` below 0.11.0, `structured_outputs` from it). An unreadable
 * version gets `structured_outputs`: current releases have only that one.
 */
export function choiceFieldFor(
  setting: StructuredOutputSetting,
  version: VllmRelease | null,
): ChoiceField {
  if (setting !== "auto") return setting;
  return version === null ? "structured_outputs" : choiceFieldOf(version);
}
