import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Teardown } from "./gateway.ts";

/**
 * Listens on a free loopback port and closes when the test ends, kept-alive connections
 * included (a client's idle pool would otherwise hold `close` open). The server's base URL.
 */
export async function listenOnLoopback(t: Teardown, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
