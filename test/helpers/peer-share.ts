import type { Metrics } from "../../src/metrics/metrics.ts";
import { until } from "./grpc.ts";

/** `[jurist_gateway_peers, jurist_replica_admission_limit{class="interactive"}]`. */
export type PeerShare = [peers: number, limit: number];

/** The peers counted and the per-replica limit, from a gateway's or a trainer's registry. */
export async function share(process: { metrics: Metrics }): Promise<PeerShare> {
  const samples = async (name: string) => {
    const metric = process.metrics.registry.getSingleMetric(name);
    if (!metric) throw new Error(`${name} is not registered`);
    return (await metric.get()).values;
  };
  const [peers] = await samples("jurist_gateway_peers");
  const limits = await samples("jurist_replica_admission_limit");
  const interactive = limits.find((sample) => sample.labels.class === "interactive");
  return [peers?.value ?? 0, interactive?.value ?? 0];
}

/** The same two from a process's `/metrics` (a served gateway, a trainer worker). */
export async function servedShare(url: string): Promise<PeerShare> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (prefix: string) =>
    Number(
      text
        .split("\n")
        .find((line) => line.startsWith(prefix))
        ?.split(" ")
        .pop() ?? 0,
    );
  return [
    value("jurist_gateway_peers "),
    value('jurist_replica_admission_limit{class="interactive"} '),
  ];
}

/** Whether `read` comes to `expected` (polled, see `until`). */
export const sameAs = async (read: () => Promise<PeerShare>, expected: PeerShare) =>
  until(async () => JSON.stringify(await read()) === JSON.stringify(expected));
