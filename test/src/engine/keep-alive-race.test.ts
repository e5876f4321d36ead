import { createServer, type Socket } from "node:net";
import { pino } from "pino";
import t, { type Test } from "tap";
import type { FleetObserver } from "../../../src/engine/fleet-types.ts";
import { createReplicaFleet } from "../../../src/engine/replica-fleet.ts";
import { STALE_RESET_WINDOW_MS } from "../../../src/engine/socket-reuse.ts";
import { ONE_LETTER_REQUEST } from "../../helpers/fixtures.ts";
import { testFleetSettings } from "../../helpers/fleet-settings.ts";

/**
 * The keep-alive race, made deterministic: a raw `node:net` HTTP/1.1 server that closes a
 * kept-alive connection the moment the next request arrives on it, which is what uvicorn does
 * when its idle timeout (vLLM: `timeout_keep_alive=envs.VLLM_HTTP_TIMEOUT_KEEP_ALIVE`, 5 s,
 * vllm/entrypoints/openai/api_server.py and vllm/envs.py, as in 0.10–0.12) fires as a request goes out. The
 * request never reached the application: the gateway resends it once on a fresh connection,
 * and the replica stays healthy. A second reset in a row is the replica's fault and counts,
 * and so is a reset that comes long after the request went out (the replica took it).
 *
 * Completions have a pool of their own (probes use another), so each test first sends one chat
 * the server answers: it leaves a kept-alive connection in the completions' pool.
 */

type CloseHow = "reset" | "end";

interface RaceServerOptions {
  /**
   * Close the connection under a chat request that is not its first (the warm-up chat went
   * out on it before, so the pool has kept it alive).
   */
  closeReusedChats: CloseHow;
  /** Also reset under a chat request that is the first on its connection (not the warm-up). */
  closeFreshChats: boolean;
  /**
   * Hold a chat request this long, answering nothing, before closing under it: a replica that
   * took the request and died (OOM, preemption) rather than one that was idle. Default 0.
   */
  closeAfterMs?: number;
}

const MODEL = "judge";

/** A minimal HTTP/1.1 server speaking just enough of vLLM's routes for the fleet. */
async function startRaceServer(t: Test, options: RaceServerOptions) {
  const stats = { connections: 0, closedUnder: [] as string[], answered: [] as string[] };
  let chats = 0;

  function answer(path: string): { status: number; body: string } {
    if (path === "/health") return { status: 200, body: "{}" };
    if (path === "/version") return { status: 200, body: JSON.stringify({ version: "0.11.0" }) };
    if (path === "/metrics") return { status: 200, body: "vllm:num_requests_running 0\n" };
    if (path === "/v1/models") {
      return { status: 200, body: JSON.stringify({ data: [{ id: MODEL, parent: null }] }) };
    }
    if (path === "/v1/chat/completions") {
      return {
        status: 200,
        body: JSON.stringify({
          choices: [{ message: { content: "A" }, logprobs: null, finish_reason: "stop" }],
          usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
        }),
      };
    }
    return { status: 404, body: '{"detail":"Not Found"}' };
  }

  function close(socket: Socket, how: CloseHow): void {
    if (how === "reset") socket.resetAndDestroy();
    else socket.destroy();
  }

  const server = createServer((socket) => {
    stats.connections += 1;
    let served = 0;
    let buffered = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString("latin1");
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.subarray(end + 4 + length);
        const path = head.split(" ")[1] ?? "/";
        const reused = served > 0;
        served += 1;
        const chat = path === "/v1/chat/completions";
        // The first chat of all is the warm-up, always answered.
        const warmUp = chat && chats++ === 0;
        const how =
          !chat || warmUp
            ? null
            : reused
              ? options.closeReusedChats
              : options.closeFreshChats
                ? "reset"
                : null;
        if (how) {
          stats.closedUnder.push(`${path}${reused ? " (reused)" : " (fresh)"}`);
          if (options.closeAfterMs) setTimeout(() => close(socket, how), options.closeAfterMs);
          else close(socket, how);
          return;
        }
        const { status, body } = answer(path);
        stats.answered.push(path);
        socket.write(
          `HTTP/1.1 ${status} OK\r\ncontent-type: application/json\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, stats };
}

const REQUEST = ONE_LETTER_REQUEST;

type RaceServer = Awaited<ReturnType<typeof startRaceServer>>;

/** A fleet over the server, its one warm-up chat sent and forgotten. */
async function fleetOver(t: Test, server: RaceServer) {
  const { url } = server;
  const events: string[] = [];
  const observer: FleetObserver = {
    call: (_url, outcome) => events.push(`call ${outcome}`),
    retry: (reason) => events.push(`retry ${reason}`),
    retryBudgetExhausted: () => events.push("budget exhausted"),
    hedge: () => {},
    ejected: () => events.push("ejected"),
    shed: () => {},
    admissionWait: () => {},
    staleConnection: () => events.push("stale connection"),
  };
  const fleet = createReplicaFleet({
    urls: [url],
    settings: testFleetSettings({
      // One connection, so every request after the first goes out on a kept-alive socket.
      connectionsPerReplica: 1,
      // One counted failure ejects, so a reset that wrongly counted would show.
      ejection: { consecutiveFailures: 1, baseMs: 60_000, maxMs: 60_000 },
    }),
    logger: pino({ level: "silent" }),
    observer,
  });
  await fleet.start();
  t.teardown(() => fleet.close());
  await fleet.session(MODEL).complete(REQUEST);
  events.length = 0;
  server.stats.closedUnder.length = 0;
  server.stats.answered.length = 0;
  return { fleet, events };
}

for (const how of ["reset", "end"] as const) {
  t.test(
    `a ${how === "reset" ? "reset (RST)" : "close (FIN)"} under a reused socket is resent once, fresh`,
    async (t) => {
      const server = await startRaceServer(t, { closeReusedChats: how, closeFreshChats: false });
      const { fleet, events } = await fleetOver(t, server);
      t.equal(fleet.snapshots()[0]?.healthy, true);
      const session = fleet.session(MODEL);
      const [completion] = await session.complete(REQUEST);
      t.equal(completion?.text, "A", "the call succeeded");
      t.ok(
        server.stats.closedUnder.includes("/v1/chat/completions (reused)"),
        "the chat went out on a kept-alive socket the server closed",
      );
      t.equal(server.stats.answered.filter((p) => p === "/v1/chat/completions").length, 1);
      const [snapshot] = fleet.snapshots();
      t.equal(snapshot?.healthy, true, "the replica stays healthy");
      t.equal(snapshot?.ejected, false, "and in rotation");
      t.same(
        events.filter((e) => e.startsWith("call") || e === "ejected" || e.startsWith("retry")),
        ["call ok"],
        "one successful call: no failure, retry or ejection counted",
      );
      t.ok(events.includes("stale connection"), "the resend is observable");
    },
  );
}

t.test("a second reset in a row counts against the replica", async (t) => {
  const server = await startRaceServer(t, { closeReusedChats: "reset", closeFreshChats: true });
  const { fleet, events } = await fleetOver(t, server);
  t.equal(fleet.snapshots()[0]?.healthy, true);
  const session = fleet.session(MODEL);
  // The only replica failed and is now unhealthy: the session has nowhere left to go.
  await t.rejects(session.complete(REQUEST), { code: "NO_HEALTHY_REPLICA" });
  t.same(
    server.stats.closedUnder.filter((p) => p.startsWith("/v1/chat")),
    ["/v1/chat/completions (reused)", "/v1/chat/completions (fresh)"],
    "resent once on a fresh connection, not more",
  );
  t.same(
    events.filter((e) => e.startsWith("call") || e === "ejected"),
    ["call error", "ejected"],
    "the second reset is a failed call, and ejects",
  );
  t.equal(fleet.snapshots()[0]?.healthy, false, "a connection failure marks it unhealthy");
});

t.test(
  "a reset long after the request went out is the replica's failure, not resent",
  async (t) => {
    // The replica read the request and said nothing for 1.5 s, then its connection reset: what
    // a replica killed mid-generation looks like. Resending would run the generation again.
    const closeAfterMs = 1_500;
    t.ok(closeAfterMs > STALE_RESET_WINDOW_MS, "the reset comes after the race's window");
    const server = await startRaceServer(t, {
      closeReusedChats: "reset",
      closeFreshChats: false,
      closeAfterMs,
    });
    const { fleet, events } = await fleetOver(t, server);
    t.equal(fleet.snapshots()[0]?.healthy, true);
    const session = fleet.session(MODEL);
    await t.rejects(session.complete(REQUEST), { code: "NO_HEALTHY_REPLICA" });
    t.same(
      server.stats.closedUnder,
      ["/v1/chat/completions (reused)"],
      "the chat went out once, on the kept-alive socket",
    );
    t.notOk(server.stats.answered.includes("/v1/chat/completions"), "and was never resent");
    t.notOk(events.includes("stale connection"), "no resend reported");
    t.same(
      events.filter((e) => e.startsWith("call") || e === "ejected"),
      ["call error", "ejected"],
      "a connection failure of the replica: counted, and ejects",
    );
    t.equal(fleet.snapshots()[0]?.healthy, false, "a connection failure marks it unhealthy");
  },
);
