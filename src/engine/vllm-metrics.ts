/** Queue depth a replica reports, summed over its models. */
export interface EngineQueueDepth {
  running: number;
  waiting: number;
}

const SAMPLE = /^(vllm:num_requests_(running|waiting))(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)/;

/**
 * Reads `vllm:num_requests_running` and `vllm:num_requests_waiting` from Prometheus text,
 * summing every label set (one per served model). Unreadable lines are skipped: a replica's
 * metrics must never break routing.
 */
export function parseQueueDepth(text: string): EngineQueueDepth {
  const depth: EngineQueueDepth = { running: 0, waiting: 0 };
  for (const line of text.split("\n")) {
    if (!line.startsWith("vllm:num_requests_")) continue;
    const match = SAMPLE.exec(line);
    const value = match ? Number(match[4]) : Number.NaN;
    if (!match || !Number.isFinite(value)) continue;
    depth[match[2] as "running" | "waiting"] += value;
  }
  return depth;
}
