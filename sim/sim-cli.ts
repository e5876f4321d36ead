import { runFineTuneCommand } from "./fine-tune-command.ts";
import { runMakeBenchCommand } from "./make-bench-command.ts";
import { runMakePromptsCommand } from "./make-prompts-command.ts";
import { runSimCommand } from "./sim-command.ts";

/** `jurist sim [make-prompts|fine-tune|make-bench] …`: a replica, or one of its tools. */
export function runSimCli(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === "make-prompts") return runMakePromptsCommand(rest);
  if (sub === "fine-tune") return runFineTuneCommand(rest);
  if (sub === "make-bench") return runMakeBenchCommand(rest);
  return runSimCommand(argv);
}
