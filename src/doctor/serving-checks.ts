import { parseVllmRelease, readsChoiceField } from "../core/vllm-release.ts";
import { choiceFieldFor } from "../engine/vllm-version.ts";
import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";
import { errorMessage } from "./replica-http.ts";

const FIELD_FIX = "set JURIST_STRUCTURED_OUTPUT_FIELD=auto (the gateway then reads /version)";

/**
 * `GET /version` (vLLM's `show_version`: `{"version": "0.11.0"}`, no key needed) and the
 * choice field the gateway will send this replica, chosen as the gateway chooses it.
 */
export const versionCheck: DoctorCheck = {
  name: "version",
  needs: [],
  async run({ http, settings, facts }) {
    let answer: Awaited<ReturnType<typeof http.get>>;
    try {
      answer = await http.get("/version");
    } catch (error) {
      facts.reachable = false;
      return fail(
        `cannot reach ${http.baseUrl}: ${(error as Error).message}`,
        "check the URL and that vLLM is listening there",
      );
    }
    facts.reachable = true;
    const text = (answer.json as { version?: unknown } | undefined)?.version;
    const version = answer.status === 200 ? parseVllmRelease(text) : null;
    const field = choiceFieldFor(settings.structuredOutputField, version);
    facts.field = field;
    if (version === null) {
      return warn(
        `no vLLM release (/version answered ${answer.status} ${JSON.stringify(text ?? null)}); the gateway sends ${field}`,
        "the constrained-choice check below says whether that field is honoured",
      );
    }
    facts.version = `${version.major}.${version.minor}.${version.patch}`;
    if (settings.structuredOutputField !== "auto" && !readsChoiceField(version, field)) {
      return fail(
        `vLLM ${facts.version} has no ${field} (JURIST_STRUCTURED_OUTPUT_FIELD): fast verdicts would come back unconstrained`,
        `${FIELD_FIX}, or =${choiceFieldFor("auto", version)}`,
      );
    }
    const how = settings.structuredOutputField === "auto" ? "chosen by version" : "as configured";
    return ok(`vLLM ${facts.version}; constrained choice via ${field} (${how})`);
  },
};

/** `GET /health`: 200 when the engine is alive (vLLM answers 503 once its engine died). */
export const healthCheck: DoctorCheck = {
  name: "health",
  needs: ["reachable"],
  async run({ http }) {
    const answer = await http.get("/health");
    if (answer.status === 200) return ok("/health answers 200");
    return fail(
      `/health answers ${answer.status}`,
      "the engine is not healthy: read the replica's log (the gateway routes no verdict to it)",
    );
  },
};

interface ModelCard {
  id: string;
  parent: string | null;
  maxModelLen: number | undefined;
}

function modelCards(json: unknown): ModelCard[] {
  const data = (json as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return [];
  return data
    .filter((card: { id?: unknown }) => typeof card?.id === "string")
    .map((card: { id: string; parent?: unknown; max_model_len?: unknown }) => ({
      id: card.id,
      parent: typeof card.parent === "string" ? card.parent : null,
      maxModelLen: typeof card.max_model_len === "number" ? card.max_model_len : undefined,
    }));
}

/**
 * `GET /v1/models`: the served names, the model the gateway would judge with, and its
 * `max_model_len`. vLLM guards `/v1/*` with `--api-key`, so a 401 here is the key.
 */
export const modelsCheck: DoctorCheck = {
  name: "models",
  needs: ["reachable"],
  async run({ http, requestedModel, apiKeyGiven, facts }) {
    const answer = await http.get("/v1/models");
    if (answer.status === 401) {
      facts.authorised = false;
      return apiKeyGiven
        ? fail(
            "the replica refuses the API key (401)",
            "give the key vLLM was started with (--api-key) in JURIST_REPLICA_API_KEY",
          )
        : fail(
            "the replica requires an API key (401 on /v1/*)",
            "set JURIST_REPLICA_API_KEY (doctor: --api-key) to the key vLLM was started with",
          );
    }
    if (answer.status !== 200) {
      return fail(
        `/v1/models answers ${answer.status}: ${errorMessage(answer)}`,
        "read the replica's log",
      );
    }
    facts.authorised = true;
    const cards = modelCards(answer.json);
    const bases = cards.filter((card) => card.parent === null);
    const names = cards.map((card) => card.id).join(", ") || "none";
    const chosen = requestedModel ? cards.find((card) => card.id === requestedModel) : bases[0];
    if (!chosen) {
      return fail(
        requestedModel
          ? `'${requestedModel}' is not served (serves ${names})`
          : "no model is served",
        requestedModel
          ? `pass --model one of: ${names} (or start vLLM with --served-model-name ${requestedModel})`
          : "start vLLM with a model",
      );
    }
    facts.model = chosen.id;
    const base = bases.find((card) => card.id === chosen.parent) ?? chosen;
    const maxModelLen = chosen.maxModelLen ?? base.maxModelLen;
    if (maxModelLen !== undefined) facts.maxModelLen = maxModelLen;
    const adapters = cards.length - bases.length;
    return ok(
      `serves ${names}${adapters ? ` (${adapters} adapter${adapters > 1 ? "s" : ""})` : ""}; judging with ${chosen.id}, max_model_len ${maxModelLen ?? "unknown"}`,
    );
  },
};
