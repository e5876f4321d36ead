import type { CheckResult, DoctorCheck, DoctorContext } from "./doctor-check.ts";
import { constrainedChoiceCheck, logprobsCheck } from "./fast-verdict-checks.ts";
import { imageBudgetCheck } from "./image-budget-check.ts";
import { keepAliveCheck } from "./keep-alive-check.ts";
import { runtimeLoraCheck } from "./lora-check.ts";
import { metricsCheck } from "./metrics-check.ts";
import { promptTokenDetailsCheck } from "./prefix-cache-check.ts";
import { priorityCheck } from "./priority-check.ts";
import { healthCheck, modelsCheck, versionCheck } from "./serving-checks.ts";
import { verdictTokensCheck } from "./verdict-tokens-check.ts";

/** In order: later checks use what earlier ones learnt (version → field, models → model). */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  versionCheck,
  healthCheck,
  modelsCheck,
  logprobsCheck,
  constrainedChoiceCheck,
  priorityCheck,
  verdictTokensCheck,
  runtimeLoraCheck,
  imageBudgetCheck,
  metricsCheck,
  promptTokenDetailsCheck,
  keepAliveCheck,
];

/** Runs every check; a check whose prerequisites are missing is skipped, naming them. */
export async function runDoctor(
  context: DoctorContext,
  checks: readonly DoctorCheck[] = DOCTOR_CHECKS,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    const missing = check.needs.filter((fact) => !context.facts[fact]);
    if (missing.length > 0) {
      results.push({
        check: check.name,
        status: "skip",
        result: `needs ${missing.join(", ")} (an earlier check failed)`,
        fix: "",
      });
      continue;
    }
    try {
      results.push({ check: check.name, ...(await check.run(context)) });
    } catch (error) {
      results.push({
        check: check.name,
        status: "fail",
        result: `the check could not run: ${(error as Error).message}`,
        fix: "check that the replica is reachable and answering",
      });
    }
  }
  return results;
}
