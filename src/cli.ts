import { ConfigError, loadConfig } from "./config/config.ts";
import { embeddedDefault } from "./embedded-default.ts";

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
  experiment  the self-improvement loop and its ablations in the SIMULATED world:
           jurist experiment --out DIR [--iterations 4] [--arms paper,no-filter,...] [--quick]
  eval     score a checkpoint on a benchmark: jurist eval --bench FILE --format F --out DIR [...]
  promote  make a checkpoint champion through the running gateway: jurist promote ID
           [--expected C] [--gateway URL] (JURIST_API_KEY: an admin key when auth is on)
  rollback return to the previous champion: jurist rollback [--expected C] [--gateway URL]
  doctor   check a vLLM replica the way Jurist will use it: jurist doctor --replica URL
           [--model NAME] [--api-key K] [--promotion lora|full] [--json]
  keys     manage API keys: jurist keys create --tenant T [--scope judge|admin] | list | revoke ID
  redis    jurist redis upgrade [--dry-run] [--force]: rename an existing state Redis's keys
           to the hash-tagged names this version reads (docs/redis.md)
  help     show this text`;

const { simulation } = embeddedDefault;

/** `jurist serve`: the gateway, with the embedded default's parts lent for when it needs them. */
async function serve(): Promise<void> {
  const { startServer } = await import("./server.ts");
  const server = await startServer(loadConfig(), embeddedDefault);
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

/**
 * Each command's module is imported when that command runs: `serve` loads the gateway and
 * never the trainer or the simulator unless its configuration asks for them, `sim` loads no
 * gateway, and so on (docs/architecture.md).
 */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "serve":
      return serve();
    case "sim":
      return (await import("../sim/sim-cli.ts")).runSimCli(rest);
    case "train":
      return (await import("../trainer/pipeline/train-command.ts")).runTrainCommand(
        rest,
        simulation,
      );
    case "trainer":
      return (await import("../trainer/worker/trainer-command.ts")).runTrainerCommand(
        rest,
        simulation,
      );
    case "experiment":
      return (await import("../trainer/experiment/experiment-command.ts")).runExperimentCommand(
        rest,
        simulation,
      );
    case "eval":
      return (await import("../trainer/eval/eval-command.ts")).runEvalCommand(rest, simulation);
    case "doctor":
      process.exitCode = await (await import("./doctor/doctor-command.ts")).runDoctorCommand(rest);
      return;
    case "keys":
      return (await import("./auth/keys-command.ts")).runKeysCommand(rest);
    case "redis":
      return (await import("./store/redis-upgrade-command.ts")).runRedisCommand(rest);
    case "promote":
    case "rollback":
      return (await import("./registry/promote-command.ts")).runPromoteCommand(
        command,
        rest,
        process.env,
      );
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
