import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "pino";

/** Values a fine-tune command template's `{placeholders}` take. */
export interface FineTuneValues {
  dataset: string;
  output: string;
  /** The checkpoint training starts from; empty (the base model) omits `{init}` and the flag before it. */
  init: string;
  base_model: string;
}

/**
 * The argument vector of a command template: split on whitespace (no shell, so no quoting),
 * each `{name}` replaced. A token that is only an empty placeholder is dropped together with
 * the `--flag` right before it, so `--init {init}` disappears on the first iteration. Throws
 * on an unknown placeholder.
 */
export function fineTuneArgv(template: string, values: FineTuneValues): string[] {
  const argv: string[] = [];
  for (const token of template.split(/\s+/).filter(Boolean)) {
    const whole = /^\{(\w+)\}$/.exec(token);
    if (whole && values[whole[1] as keyof FineTuneValues] === "") {
      if (argv.at(-1)?.startsWith("-")) argv.pop();
      continue;
    }
    argv.push(
      token.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (!(name in values))
          throw new Error(`unknown placeholder {${name}} in fine-tune command`);
        return values[name as keyof FineTuneValues];
      }),
    );
  }
  if (argv.length === 0) throw new Error("the fine-tune command is empty");
  return argv;
}

/** Raised when the fine-tune command fails: earlier stage outputs are kept. */
export class FineTuneError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
  ) {
    super(message);
    this.name = "FineTuneError";
  }
}

/**
 * Runs the fine-tune command, each line of its stdout and stderr logged as it arrives.
 * Resolves on exit 0; rejects with FineTuneError on another exit code, a signal or a spawn
 * failure. Aborting `signal` kills the child.
 */
export function runFineTune(
  argv: readonly string[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const [command, ...args] = argv;
  logger.info({ stage: "fine-tune", argv }, "fine-tune starting");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command!, args, { stdio: ["ignore", "pipe", "pipe"], signal });
    for (const [stream, name] of [
      [child.stdout, "stdout"],
      [child.stderr, "stderr"],
    ] as const) {
      createInterface({ input: stream }).on("line", (line) =>
        logger.info({ stage: "fine-tune", stream: name }, line),
      );
    }
    child.once("error", (error) =>
      reject(new FineTuneError(`fine-tune command failed to run: ${error.message}`, null)),
    );
    child.once("close", (code, killed) => {
      if (code === 0) return resolvePromise();
      const how = code === null ? `was killed by ${killed}` : `exited with code ${code}`;
      reject(new FineTuneError(`fine-tune command ${how}: ${argv.join(" ")}`, code));
    });
  });
}
