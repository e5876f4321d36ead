import { runFineTuneCommand } from "../sim/fine-tune-command.ts";
import { runMakeBenchCommand } from "../sim/make-bench-command.ts";
import { runMakePromptsCommand } from "../sim/make-prompts-command.ts";
import { runSimCommand } from "../sim/sim-command.ts";
import { runEvalCommand } from "../trainer/eval/eval-command.ts";
import { runTrainCommand } from "../trainer/pipeline/train-command.ts";
import { runTrainerCommand } from "../trainer/worker/trainer-command.ts";
import { runKeysCommand } from "./auth/keys-command.ts";
import { ConfigError, loadConfig } from "./config/config.ts";
import { runPromoteCommand } from "./registry/promote-command.ts";
import { startServer } from "./server.ts";

const USAGE = `usage: jurist <command> [options]

commands:
  serve    run the gateway (HTTP API) with the configuration from the environment
  sim      run one simulated vLLM replica: jurist sim --port P [--seed S --accuracy A
           --position-bias B --latency-ms L --error-rate E --invalid-rate I --model M]
           jurist sim make-prompts --n N --out FILE: seed prompts with generated images
           jurist sim fine-tune --dataset FILE --output DIR [--init DIR]: simulated training
           jurist sim make-bench --out DIR [--n N --seed S]: SIMULATED benchmark files
  train    self-improvement iterations: jurist train --iterations N --seed-prompts FILE
  trainer  the long-running trainer worker on collected prompts: jurist trainer [run]
           jurist trainer status [--json]: what it is doing, backlog, iterations
  eval     score a checkpoint on a benchmark: jurist eval --bench FILE --format F --out DIR [...]
  promote  make a checkpoint champion through the running gateway: jurist promote ID
           [--expected C] [--gateway URL] (JURIST_API_KEY: an admin key when auth is on)
  rollback return to the previous champion: jurist rollback [--expected C] [--gateway URL]
  keys     manage API keys: jurist keys create --tenant T [--scope judge|admin] | list | revoke ID
  help     show this text`;

async function serve(): Promise<void> {
  const server = await startServer(loadConfig());
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${signal}: draining, then shutting down\n`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve();
    case "sim":
      if (rest[0] === "make-prompts") return runMakePromptsCommand(rest.slice(1));
      if (rest[0] === "fine-tune") return runFineTuneCommand(rest.slice(1));
      if (rest[0] === "make-bench") return runMakeBenchCommand(rest.slice(1));
      return runSimCommand(rest);
    case "train":
      return runTrainCommand(rest);
    case "trainer":
      return runTrainerCommand(rest);
    case "eval":
      return runEvalCommand(rest);
    case "keys":
      return runKeysCommand(rest);
    case "promote":
    case "rollback":
      return runPromoteCommand(command, rest, process.env);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      process.stderr.write(`unknown command '${command}'\n\n${USAGE}\n`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`jurist failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
