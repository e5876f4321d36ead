import { type DoctorCheck, fail, ok } from "./doctor-check.ts";
import { errorMessage } from "./replica-http.ts";

/**
 * vLLM registers `/v1/load_lora_adapter` only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True; without
 * it FastAPI answers `404 {"detail":"Not Found"}`. With it, a load naming no adapter is refused
 * with 400 "Both 'lora_name' and 'lora_path' must be provided." before anything is loaded
 * (`_check_load_lora_adapter_request` in vLLM's `serving_models.py`), so the probe changes
 * nothing on the replica.
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
    const answer = await http.post("/v1/load_lora_adapter", { lora_name: "", lora_path: "" });
    if (answer.status === 404) {
      return fail(
        "no /v1/load_lora_adapter route: promotion cannot load a candidate adapter",
        "start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, or promote full checkpoints (--promotion full; docs/deployment.md)",
      );
    }
    if (answer.status === 400 || answer.status === 422) return ok("load/unload routes present");
    return fail(
      `/v1/load_lora_adapter answered ${answer.status}: ${errorMessage(answer)}`,
      "start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True",
    );
  },
};
