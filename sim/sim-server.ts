import type { AddressInfo } from "node:net";
import { createSimApp } from "./sim-app.ts";
import { parseSimOptions, type SimOptions, type SimOptionsInput } from "./sim-options.ts";

/** Options of `startSimServer`: the replica's options plus where to listen. */
export type SimServerOptions = SimOptionsInput & {
  /** Bind address; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (an ephemeral port, read it from `port` / `url`). */
  port?: number;
  /** Log requests (pino, "[simulated vLLM]" prefix); default false. */
  logger?: boolean;
};

/** A running simulated replica. */
export interface SimServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`; OpenAI-compatible paths hang off it. */
  url: string;
  port: number;
  /**
   * Stops listening after in-flight requests finish; stalled ones (option `stall`) are dropped
   * without an answer, since they would never finish.
   */
  close(): Promise<void>;
  /**
   * Changes options at run time (e.g. make a replica fail or slow mid-test). Throws listing
   * every problem and keeps the old options when the result is invalid.
   */
  setOptions(patch: Partial<SimOptions>): void;
}

/**
 * Starts one simulated vLLM replica on real HTTP. Throws on invalid options (listing every
 * problem) or when the port cannot be bound.
 */
export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const { host = "127.0.0.1", port = 0, logger = false, ...simOptions } = options;
  const { app, state } = createSimApp(parseSimOptions(simOptions), { logger });
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;
  app.log.info({ url, model: state.options().modelId }, "engine listening");
  return {
    url,
    port: address.port,
    close: () => app.close(),
    setOptions: state.setOptions,
  };
}
