import { request } from "undici";

/**
 * Completions a simulated replica has answered successfully: the sum of its
 * `vllm:request_success_total` series (every finish reason, every model name). Failed
 * (injected 500) and unknown-model calls are not counted, as in vLLM.
 */
export async function completionsServed(sim: { url: string }): Promise<number> {
  const response = await request(`${sim.url}/metrics`, { headersTimeout: 10_000 });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${sim.url}/metrics: ${response.statusCode}`);
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("vllm:request_success_total{")) total += Number(line.split(" ").pop());
  }
  return total;
}

/** `completionsServed` for each sim, in order. */
export function completionsServedBy(sims: readonly { url: string }[]): Promise<number[]> {
  return Promise.all(sims.map(completionsServed));
}

/** What each sim served between two `completionsServedBy` readings. */
export function servedBetween(before: readonly number[], after: readonly number[]): number[] {
  return after.map((count, index) => count - before[index]!);
}
