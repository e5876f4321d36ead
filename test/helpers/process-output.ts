import type { ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";

/** What a finished child process said: its exit code and all it printed. */
export interface ProcessOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Collects a spawned process's stdout and stderr (spawned with `stdio: [..., "pipe", "pipe"]`)
 * until it exits. Listeners are attached at once, so nothing printed early is lost.
 */
export async function processOutput(
  child: ChildProcessByStdio<null, Readable, Readable>,
): Promise<ProcessOutput> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const [code] = await once(child, "exit");
  return { code: code as number | null, stdout, stderr };
}
