import { connect } from "node:net";
import { type DoctorCheck, fail, ok, warn } from "./doctor-check.ts";

/** How long past the gateway's keep-alive the doctor waits for the replica to close. */
const MARGIN_MS = 1_500;

/**
 * How long the replica keeps an idle keep-alive connection: one `GET /health` on a raw socket,
 * then the time until the replica closes it. The gateway's pool must give a socket up first
 * (JURIST_ENGINE_KEEP_ALIVE_MS), or a request sent as the replica closes fails as a
 * connection error (uvicorn's default, which vLLM uses, is 5 s).
 */
export function idleCloseAfter(baseUrl: string, waitMs: number): Promise<number | null> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port || 80), url.hostname);
    let answeredAt = 0;
    let buffered = "";
    let timer = setTimeout(() => settle(null), waitMs + 10_000);
    const settle = (closedAfter: number | null, error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(closedAfter);
    };
    socket.on("connect", () => {
      socket.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
    });
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      if (!answeredAt && buffered.includes("\r\n\r\n")) {
        answeredAt = Date.now();
        clearTimeout(timer);
        timer = setTimeout(() => settle(null), waitMs);
      }
    });
    socket.on("close", () => settle(answeredAt ? Date.now() - answeredAt : 0));
    socket.on("error", (error) =>
      answeredAt ? settle(Date.now() - answeredAt) : settle(null, error),
    );
  });
}

export const keepAliveCheck: DoctorCheck = {
  name: "keep-alive",
  needs: ["reachable"],
  async run({ http, settings }) {
    if (!http.baseUrl.startsWith("http://")) {
      return warn(
        "not measured over TLS",
        "keep JURIST_ENGINE_KEEP_ALIVE_MS below the server's idle timeout",
      );
    }
    const closedAfter = await idleCloseAfter(http.baseUrl, settings.keepAliveMs + MARGIN_MS);
    const ours = `the gateway keeps idle connections ${settings.keepAliveMs} ms`;
    if (closedAfter === null)
      return ok(
        `the replica kept an idle connection over ${settings.keepAliveMs + MARGIN_MS} ms; ${ours}`,
      );
    if (closedAfter <= settings.keepAliveMs) {
      return fail(
        `the replica closes idle connections after ~${closedAfter} ms; ${ours}`,
        `set JURIST_ENGINE_KEEP_ALIVE_MS below ${Math.max(0, closedAfter - 500)}`,
      );
    }
    return ok(`the replica closes idle connections after ~${closedAfter} ms; ${ours}`);
  },
};
