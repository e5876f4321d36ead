import { randomBytes } from "node:crypto";
import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";
import { errorMessage, type ReplicaAnswer } from "./replica-http.ts";

const ROUTE_FIX =
  "start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, or promote full checkpoints (--promotion full; docs/deployment.md)";

/** FastAPI's own 404 for a route that was never registered: `{"detail": "Not Found"}`. */
function routeMissing(answer: ReplicaAnswer): boolean {
  const body = answer.json as { detail?: unknown; error?: unknown } | undefined;
  return answer.status === 404 && body?.detail === "Not Found" && body.error === undefined;
}

/**
 * Loads an adapter that cannot exist (a random name, a path under /nonexistent), so nothing is
 * ever loaded, and reads how vLLM refuses it:
 * - the route is registered only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True; without it
 *   FastAPI answers `404 {"detail": "Not Found"}`;
 * - with the route but without `--enable-lora`, the engine refuses with "LoRA is not enabled.
 *   Use --enable-lora to enable LoRA.";
 * - with both, the adapter is not found (LoRAAdapterNotFoundError, vLLM's
 *   `serving_models.py` `load_lora_adapter`): what a replica ready for promotion answers.
 * An empty name would not do: vLLM refuses it ("Both 'lora_name' and 'lora_path' must be
 * provided.") before it looks at whether LoRA is enabled.
 */
export const runtimeLoraCheck: DoctorCheck = {
  name: "runtime LoRA",
  needs: ["authorised"],
  async run({ http, settings }) {
    if (settings.promotion === "full") {
      return {
        status: "skip",
        result: "full-checkpoint promotion: runtime LoRA is not used",
        fix: "",
      };
    }
    const name = `jurist-doctor-probe-${randomBytes(6).toString("hex")}`;
    const answer = await http.post("/v1/load_lora_adapter", {
      lora_name: name,
      lora_path: `/nonexistent/${name}`,
    });
    if (routeMissing(answer)) {
      return fail(
        "no /v1/load_lora_adapter route: promotion cannot load a candidate adapter",
        ROUTE_FIX,
      );
    }
    const message = errorMessage(answer);
    if (/not enabled/i.test(message)) {
      return fail(
        `the LoRA routes exist but LoRA is off: ${message}`,
        "start vLLM with --enable-lora",
      );
    }
    if (answer.status === 200) {
      await http.post("/v1/unload_lora_adapter", { lora_name: name });
      return warn(
        "the replica accepted an adapter path that does not exist (unloaded again)",
        "check the replica's LoRA loading; promotion relies on a failed load being reported",
      );
    }
    return ok(
      `runtime LoRA on: a missing adapter is refused (${answer.status}: ${message.slice(0, 80)})`,
    );
  },
};
