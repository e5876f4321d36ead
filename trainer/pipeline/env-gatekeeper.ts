import type { Promotion } from "../../src/registry/promotion.ts";
import type { ShadowStats } from "../../src/store/shadow-stats.ts";
import { createGatekeeper } from "../gates/gatekeeper.ts";
import type { TrainerEnv } from "./iteration-runner.ts";

/** The gates as a trainer environment runs them (the worker's review, an experiment's arm). */
export function gatekeeperFor(
  env: TrainerEnv,
  parts: { shadow: ShadowStats; promotion: Promotion; signal: AbortSignal },
) {
  return createGatekeeper({
    config: env.config,
    logger: env.logger.child({ component: "gates" }),
    engine: env.fleet,
    simulated: env.simulated,
    registry: env.registry,
    shadow: parts.shadow,
    promotion: parts.promotion,
    benchmarks: env.benchmarks,
    signal: parts.signal,
    observe: ({ decision, report }) =>
      env.metrics?.reviewed(decision, report.gates, report.candidate),
  });
}
