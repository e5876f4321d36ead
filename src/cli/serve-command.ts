import { loadConfig } from "../config/config.ts";
import { startServer } from "../server.ts";
import { embeddedDefault } from "./embedded-default.ts";

/** `jurist serve`: the gateway, with the embedded default's parts lent for when it needs them. */
export async function runServeCommand(): Promise<void> {
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
