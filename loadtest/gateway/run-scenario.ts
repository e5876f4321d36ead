import { runGrpcLoad } from "./grpc-load.ts";
import { runHttpLoad } from "./http-load.ts";
import type { Tally } from "./load-figures.ts";
import type { Scenario } from "./scenarios.ts";

/** Where a server listens: its HTTP base URL and, for Jurist, its gRPC address. */
export interface Endpoint {
  url: string;
  grpcAddress?: string;
  pid: number;
  stop?: () => Promise<unknown>;
}

let nextIndex = 1;
/** Request indices are never reused across runs, so every request judges a new input. */
function claimIndices(): number {
  const first = nextIndex;
  nextIndex += 1_000_000;
  return first;
}

/** Runs `scenario` against `endpoint` for `seconds` (or `amount` requests), into `tally`. */
export async function runScenario(
  scenario: Scenario,
  endpoint: Endpoint,
  tally: Tally,
  load: { seconds: number; amount?: number },
): Promise<void> {
  if (scenario.transport === "grpc") {
    if (!endpoint.grpcAddress || !scenario.pairwise) throw new Error(`${scenario.id}: no gRPC`);
    await runGrpcLoad(
      {
        address: endpoint.grpcAddress,
        concurrency: scenario.connections,
        durationSeconds: load.seconds,
        pairwise: scenario.pairwise,
        firstIndex: claimIndices(),
      },
      tally,
    );
    return;
  }
  await runHttpLoad(
    {
      url: endpoint.url,
      path: scenario.path,
      connections: scenario.connections,
      durationSeconds: load.seconds,
      ...(load.amount ? { amount: load.amount } : {}),
      body: scenario.body,
      ...(scenario.itemErrors ? { itemErrors: scenario.itemErrors } : {}),
      ...(scenario.headers ? { headers: scenario.headers } : {}),
      ...(scenario.timeoutSeconds ? { timeoutSeconds: scenario.timeoutSeconds } : {}),
      firstIndex: claimIndices(),
    },
    tally,
  );
}
