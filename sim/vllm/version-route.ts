import type { FastifyInstance } from "fastify";
import { NON_RELEASE_VERSION } from "./vllm-version.ts";

/**
 * `GET /version`, as vLLM's `show_version` answers it (vllm/entrypoints/openai/api_server.py):
 * `{"version": VLLM_VERSION}`, no key needed. Without `--vllm-version` the simulated engine
 * names no release.
 */
export function registerVersionRoute(
  app: FastifyInstance,
  state: { options(): { vllmVersion?: string | undefined } },
): void {
  app.get("/version", async () => ({
    version: state.options().vllmVersion ?? NON_RELEASE_VERSION,
    simulated: true,
  }));
}
