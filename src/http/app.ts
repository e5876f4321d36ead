import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import {
  jsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { routeNeedsKey } from "../auth/auth-policy.ts";
import type { Runtime } from "../runtime/runtime.ts";
import { logEachResponse } from "./access-log.ts";
import { adminRoutes } from "./admin-routes.ts";
import { requireScope } from "./auth-hook.ts";
import { createHttpErrorHandler, httpNotFoundHandler } from "./error-handler.ts";
import { healthRoutes } from "./health-routes.ts";
import { jsonBodies } from "./json-body.ts";
import { type JudgeRoutesOptions, judgeRoutes } from "./judge-routes.ts";
import { metricsRoutes } from "./metrics-routes.ts";
import { modelRoutes } from "./model-routes.ts";
import { routeSecurity, securitySchemes } from "./openapi-security.ts";
import { protocolChecks } from "./protocol-errors.ts";
import { recordRequestMetrics } from "./request-metrics.ts";
import { responseSerializerCompiler } from "./response-serializer.ts";
import { rewardRoutes } from "./reward-routes.ts";

export interface AppOptions {
  runtime: Runtime;
}

/**
 * Builds the HTTP API on a Fastify instance; never listens (src/server.ts does). Tests
 * register it on a fresh instance and use `inject`.
 */
export async function app(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  const { runtime } = options;
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(responseSerializerCompiler);
  server.setErrorHandler(
    createHttpErrorHandler({ requestTimeoutMs: runtime.config.http.requestTimeoutMs }),
  );
  server.setNotFoundHandler(httpNotFoundHandler);
  // An unmet `Expect`, a missing Host: the catalogue's answers, where Node's have no body.
  protocolChecks(server);
  // The API speaks JSON only: a text/plain body is a 415, not a string handed to validation.
  server.removeContentTypeParser("text/plain");
  // JSON bodies held against the in-flight budget as they arrive, their shape checked first.
  const { jsonMaxDepth, jsonMaxValues } = runtime.config.http;
  jsonBodies(server, {
    inflight: runtime.inflight,
    shape: { maxDepth: jsonMaxDepth, maxValues: jsonMaxValues },
  });
  recordRequestMetrics(server, runtime.metrics.http);
  logEachResponse(server);

  const { auth } = runtime;
  await server.register(swagger, {
    openapi: {
      info: {
        title: "Jurist",
        description: "Pairwise judging of responses to image questions, from vLLM replicas",
        version: "1",
      },
      components: { securitySchemes },
    },
    // Each route's `security` says whether it needs a key on this gateway (openapi-security.ts).
    transform: (input) => {
      const { schema, url } = jsonSchemaTransform(input);
      if (schema.hide) return { schema, url };
      return { schema: { ...schema, security: routeSecurity(input.url, auth) }, url };
    },
  });
  // The document and its UI: behind a key when keys are required, unless JURIST_PUBLIC_ROUTES
  // lists `docs`. The UI keeps a key given to its Authorize button across reloads.
  await server.register(async (docs) => {
    if (routeNeedsKey(auth, "docs")) requireScope(docs, "judge", auth);
    await docs.register(swaggerUi, {
      routePrefix: "/docs",
      uiConfig: { persistAuthorization: true },
    });
    docs.get("/openapi.json", { schema: { hide: true } }, async () => server.swagger());
  });

  await server.register(healthRoutes, { readiness: runtime.readiness });
  await server.register(modelRoutes, { fleet: runtime.fleet, auth });
  await server.register(metricsRoutes, { registry: runtime.metrics.registry });
  // Judging and reward routes share the same guards: shedding, the judge scope, rate limits.
  const guards: Omit<JudgeRoutesOptions, "service"> = {
    requestTimeoutMs: runtime.config.http.requestTimeoutMs,
    shutdown: runtime.shutdownSignal,
    shedding: {
      pressure: runtime.pressure,
      draining: runtime.isDraining,
      onShed: (reason) => runtime.metrics.admission.shed.inc({ reason }),
    },
    auth: runtime.auth,
    rateLimit: { limiter: runtime.rateLimiter },
    bodyLimitBytes: runtime.config.http.bodyLimitBytes,
  };
  await server.register(judgeRoutes, { service: runtime.judgeService, ...guards });
  await server.register(rewardRoutes, { service: runtime.rewardService, ...guards });
  await server.register(adminRoutes, { admin: runtime.admin, auth: runtime.auth });
}
