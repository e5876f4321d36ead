import type { FastifyInstance } from "fastify";

/**
 * vLLM's `--api-key` (AuthenticationMiddleware, vllm/entrypoints/openai/api_server.py; later
 * vllm/entrypoints/serve/utils/server_utils.py): a request whose path starts with `/v1`
 * needs `Authorization: Bearer <key>` (scheme case-insensitive), else 401
 * `{"error": "Unauthorized"}`; OPTIONS and every other path (/health, /metrics, /version)
 * pass without it. Newer releases guard /v2, /inference and /cohere too; the simulated
 * engine has none of those.
 */
export function registerApiKeyCheck(
  app: FastifyInstance,
  state: { options(): { apiKey?: string | undefined } },
): void {
  app.addHook("onRequest", async (request, reply) => {
    const key = state.options().apiKey;
    if (key === undefined || request.method === "OPTIONS") return;
    if (!request.url.startsWith("/v1")) return;
    const [scheme = "", ...rest] = (request.headers.authorization ?? "").split(" ");
    if (scheme.toLowerCase() === "bearer" && rest.join(" ") === key) return;
    return reply.code(401).send({ error: "Unauthorized", simulated: true });
  });
}
