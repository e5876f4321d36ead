import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import t from "tap";
import { createEngineClient } from "../../../src/engine/engine-client.ts";
import { ONE_LETTER_REQUEST } from "../../helpers/fixtures.ts";
import { listenOnLoopback } from "../../helpers/loopback-server.ts";
import type { Teardown } from "../../helpers/sim-process.ts";

/**
 * The engine client's probes travel apart from its completions: a completion holding the
 * only completions connection does not hold a health read up (sharing one undici pool, the
 * probe queued behind it until its timeout fired), and closing the client closes the probes'
 * connections as well as the completions'.
 */

const CHAT_ANSWER = JSON.stringify({
  choices: [{ message: { content: "A" }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
});

const REQUEST = ONE_LETTER_REQUEST;

/**
 * A replica whose chats are held until `release()`: the rest answers at once. It notes which
 * connection (client port) carried each path, and which connections are open.
 */
async function holdingReplica(t: Teardown) {
  const open = new Set<Socket>();
  const servedOn: { path: string; port: number }[] = [];
  const held: ServerResponse[] = [];
  let chatArrived: () => void = () => {};
  const chatHeld = new Promise<void>((resolve) => {
    chatArrived = resolve;
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? "/";
    servedOn.push({ path, port: request.socket.remotePort ?? 0 });
    request.resume();
    request.on("end", () => {
      if (path === "/v1/chat/completions") {
        held.push(response);
        chatArrived();
        return;
      }
      response.writeHead(path === "/health" ? 200 : 404, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  server.on("connection", (socket: Socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  const url = await listenOnLoopback(t, server);
  const release = () => {
    for (const response of held.splice(0)) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(CHAT_ANSWER);
    }
  };
  return { url, open, servedOn, chatHeld, release, holding: () => held.length > 0 };
}

t.test("a probe answers while a completion holds every completions connection", async (t) => {
  const replica = await holdingReplica(t);
  const client = createEngineClient({
    baseUrl: replica.url,
    connections: 1,
    probeConnections: 1,
    // Longer than the test: any connection still open after close() was leaked, not idle.
    keepAliveMs: 60_000,
    probeTimeoutMs: 1_000,
  });
  let closed = false;
  t.teardown(() => (closed ? undefined : client.close()));

  const chat = client.chat("judge", REQUEST, undefined, "structured_outputs");
  await replica.chatHeld;
  // A watchdog, not a measurement: a probe queued behind the chat in a shared pool does not
  // even time out until a connection frees (undici acts on its abort once dispatched), so
  // without it that failure would hang the test instead of failing it.
  const watchdog = setTimeout(replica.release, 3_000);
  const health = await client.health().then(
    () => "answered",
    (error: Error) => `failed: ${error.message}`,
  );
  const chatStillHeld = replica.holding();
  clearTimeout(watchdog);
  t.equal(health, "answered", "/health answered");
  t.ok(chatStillHeld, "while the chat was still held on the only completions connection");
  const chatPort = replica.servedOn.find((s) => s.path === "/v1/chat/completions")?.port;
  const healthPort = replica.servedOn.find((s) => s.path === "/health")?.port;
  t.ok(healthPort !== undefined && healthPort !== chatPort, "on a connection of its own");

  // Closing waits for the held chat, then closes both sets of connections.
  t.equal(replica.open.size, 2, "one completions connection and one probe connection open");
  const closing = client.close().then(() => {
    closed = true;
  });
  replica.release();
  const [completion] = await chat;
  t.equal(completion?.text, "A", "the held chat finished");
  await closing;
  for (let tries = 0; tries < 100 && replica.open.size > 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.equal(replica.open.size, 0, "no connection left open after close");
});
