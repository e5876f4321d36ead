import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Teardown } from "./gateway.ts";

/** A throwaway redis-server on a random loopback port, never the shared one on 6379. */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGKILL when `hard`), to test outages. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
}

/** A free loopback port, as the OS hands one out. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Resolves once redis-server logs that it accepts connections. */
export async function waitForReady(child: ChildProcess): Promise<void> {
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server did not start: ${output}`)),
      10_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output}`));
    });
  });
}

/**
 * Starts redis-server (must be on PATH) for one test; it is killed when the test ends.
 * `persistent` keeps an append-only file (fsync on every write), so data survives `stop(true)`
 * as with a production Redis run with AOF.
 */
export async function startRedis(
  t: Teardown,
  options: { persistent?: boolean } = {},
): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "jurist-redis-"));
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    child = spawn(
      "redis-server",
      [
        ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir],
        ...(options.persistent
          ? ["--appendonly", "yes", "--appendfsync", "always"]
          : ["--appendonly", "no"]),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    await waitForReady(child);
  }

  async function stop(hard = false): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, "exit");
    running.kill(hard ? "SIGKILL" : "SIGTERM");
    await exited;
  }

  await start();
  t.teardown(() => stop(true));
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
