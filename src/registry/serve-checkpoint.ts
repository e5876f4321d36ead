import { createPromotion, type PromotionOptions } from "./promotion.ts";
import type { Staged } from "./replica-staging.ts";

/**
 * Makes replicas serve a registered checkpoint that is not the champion (a candidate the
 * trainer judges with or evaluates), with the same staging promotion and the gates use: a
 * LoRA adapter is loaded (`/v1/load_lora_adapter`) where it is missing and the call waits until
 * the quorum (`quorum`, JURIST_PROMOTION_QUORUM; default 1, every replica) lists it; requests
 * pinned to it go only to replicas that list it. Nothing switches the champion. Idempotent.
 * Throws AppError NOT_FOUND for an unregistered id and PromotionError when the replicas cannot.
 */
export async function serveCheckpoint(
  options: Pick<PromotionOptions, "registry" | "fleet" | "logger" | "loadTimeoutMs" | "quorum">,
  id: string,
): Promise<Staged> {
  const promotion = createPromotion(options);
  try {
    return await promotion.stage(id);
  } finally {
    await promotion.close();
  }
}
