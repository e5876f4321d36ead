import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "undici";
import { buildGateway, startSims, type Teardown } from "./gateway.ts";
import { startRedis } from "./redis-server.ts";

/**
 * Two gateways sharing one real Redis (started on a random port) in front of the same
 * simulated replicas: the shape of a horizontally scaled deployment.
 */
export async function startSharedGateways(
  t: Teardown,
  env: Record<string, string> = {},
  options: { persistentRedis?: boolean } = {},
) {
  const redis = await startRedis(t, { persistent: options.persistentRedis });
  const sims = await startSims(t, 2);
  const shared = {
    REDIS_URL: redis.url,
    JURIST_BACKENDS: sims.map((sim) => sim.url).join(","),
    JURIST_HEALTH_INTERVAL_MS: "200",
    ...env,
  };
  const first = await buildGateway(t, { ...shared, JURIST_DATA_DIR: tempDir() });
  const second = await buildGateway(t, { ...shared, JURIST_DATA_DIR: tempDir() });
  return { redis, sims, gateways: [first, second] as const };
}

const tempDir = () => mkdtempSync(join(tmpdir(), "jurist-data-"));

/** Loads a simulated LoRA adapter on a replica, as a promotion would. */
export async function loadAdapter(simUrl: string, name: string): Promise<void> {
  const response = await request(`${simUrl}/v1/load_lora_adapter`, {
    method: "POST",
    body: JSON.stringify({ lora_name: name, lora_path: tempDir() }),
    headers: { "content-type": "application/json" },
  });
  await response.body.dump();
  if (response.statusCode !== 200)
    throw new Error(`loading ${name} failed: ${response.statusCode}`);
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passes; returns the time taken. */
export async function within(timeoutMs: number, check: () => boolean | Promise<boolean>) {
  const started = Date.now();
  while (Date.now() - started <= timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return null;
}
