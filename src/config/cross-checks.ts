import type { Values } from "./setting.ts";
import type { SettingsTree } from "./settings.ts";
import { HTTP_BODY_COST_PER_BYTE } from "./shedding-settings.ts";

type Parsed = Values<SettingsTree>;

/**
 * Problems no one setting shows: values each valid alone that together cannot work. Listed
 * with the settings' own problems, so the process refuses to start rather than serve a
 * configuration that fails some requests forever.
 */
export function crossSettingProblems(config: Parsed): string[] {
  const problems: string[] = [];
  const budget = config.shedding.inflightBytesBudget;
  const bodyLimit = config.http.bodyLimitBytes;
  // An HTTP body holds HTTP_BODY_COST_PER_BYTE times its size against the budget: below that,
  // a body within the limit can never be admitted, even alone, and gets 503 on every retry.
  const largestBody = bodyLimit * HTTP_BODY_COST_PER_BYTE;
  if (budget < largestBody) {
    problems.push(
      `JURIST_INFLIGHT_BYTES_BUDGET (${budget}) must be at least ${HTTP_BODY_COST_PER_BYTE}× ` +
        `JURIST_BODY_LIMIT_BYTES (${bodyLimit}), ${largestBody}: a body at the limit holds ` +
        `${HTTP_BODY_COST_PER_BYTE}× its size while it is parsed, so larger bodies than ` +
        `${Math.floor(budget / HTTP_BODY_COST_PER_BYTE)} bytes would be refused with 503 forever; ` +
        "raise the budget or lower the body limit",
    );
  }
  if (config.reward.policyTemplate === "custom" && config.reward.policyMarkers === undefined) {
    problems.push(
      "JURIST_REWARD_POLICY_TEMPLATE=custom needs JURIST_REWARD_POLICY_MARKERS: the markers " +
        "of the policy's chat template, as JSON (docs/reward-and-rlhf.md)",
    );
  }
  return problems;
}
