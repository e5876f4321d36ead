import type { ReplicaHttp } from "./replica-http.ts";

/**
 * `ok`: holds as Jurist needs it. `fail`: Jurist will not work as documented until it is
 * changed (the doctor exits non-zero). `warn`: works, with less than it could (a metric
 * missing, a check that could not be made). `skip`: not applicable, or an earlier failure
 * makes it meaningless.
 */
export type CheckStatus = "ok" | "fail" | "warn" | "skip";

export interface CheckResult {
  check: string;
  status: CheckStatus;
  /** What the replica answered, in a line. */
  result: string;
  /** What to change; empty when nothing needs to. */
  fix: string;
}

/** How the gateway would use the replica: read from its configuration, some flags overriding. */
export interface DoctorSettings {
  /** `auto` picks the field from the replica's version, as the gateway does. */
  structuredOutputField: "auto" | "structured_outputs" | "guided_choice";
  topLogprobs: number;
  /** Token budget of a reasoned verdict: counted against max_model_len by vLLM. */
  maxTokens: number;
  /** The gateway pool's idle keep-alive, ms: the replica must keep idle sockets longer. */
  keepAliveMs: number;
  /** The largest image the gateway forwards (it resizes larger ones to fit). */
  imageMaxPixels: number;
  imageMaxEdge: number;
  /** How candidates reach replicas: `lora` needs vLLM's runtime LoRA routes, `full` does not. */
  promotion: "lora" | "full";
  /** JURIST_VLLM_PRIORITY: calls carry vLLM's per-request priority. */
  vllmPriority: boolean;
}

/** What earlier checks learnt, for later ones. */
export interface DoctorFacts {
  version?: string;
  field?: "structured_outputs" | "guided_choice";
  model?: string;
  maxModelLen?: number;
  /** True once the replica answered at all; false stops the checks that need it. */
  reachable?: boolean;
  /** True once `/v1/*` accepted the key (or needs none). */
  authorised?: boolean;
  /** A completion with the gateway's `top_logprobs` was answered. */
  logprobs?: boolean;
  /** `usage.prompt_tokens_details` was present in a completion. */
  promptTokenDetails?: boolean;
}

export interface DoctorContext {
  http: ReplicaHttp;
  /** `--model`; unset, the replica's first base model. */
  requestedModel?: string | undefined;
  apiKeyGiven: boolean;
  settings: DoctorSettings;
  facts: DoctorFacts;
}

export interface DoctorCheck {
  name: string;
  /** Facts the check cannot run without; it is skipped when one is missing. */
  needs: (keyof DoctorFacts)[];
  run(context: DoctorContext): Promise<Omit<CheckResult, "check">>;
}

export const ok = (result: string) => ({ status: "ok" as const, result, fix: "" });
export const warn = (result: string, fix: string) => ({ status: "warn" as const, result, fix });
export const fail = (result: string, fix: string) => ({ status: "fail" as const, result, fix });
