/**
 * `jurist sim` on its own: the same command without loading the gateway's modules through
 * `src/cli.ts`, so test helpers that spawn replicas start faster and do not depend on them.
 * Run it as `node --import=tsx sim/sim-main.ts [flags]`.
 */
import { runSimCommand } from "./sim-command.ts";

await runSimCommand(process.argv.slice(2));
