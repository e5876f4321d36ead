import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";

export interface MetricsRoutesOptions {
  /** The registry to serialise on every scrape. */
  registry: Registry;
}

/** `GET /metrics` in Prometheus text format; hidden from the OpenAPI document. */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, options) => {
  const { registry } = options;
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    const body = await registry.metrics();
    return reply.type(registry.contentType).send(body);
  });
};
