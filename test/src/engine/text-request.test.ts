import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import t, { type Test } from "tap";
import { Pool } from "undici";
import { requestText } from "../../../src/engine/text-request.ts";
import { listenOnLoopback } from "../../helpers/loopback-server.ts";

/**
 * `requestText` reads an answer whole through undici's dispatch, in place of `request()` and
 * `body.text()`: each case is compared with what `request()` answers for the same request, so
 * a fast path that decoded, aborted or failed differently would fail here.
 */

type Route = (request: IncomingMessage, response: ServerResponse) => void;

const ROUTES: Record<string, Route> = {
  // "é" (2 bytes) and "€" (3 bytes) split across writes, then a 404 status and a BOM below.
  "/split": (_request, response) => {
    const bytes = Buffer.from('{"text":"é€ after"}');
    response.writeHead(200, { "content-type": "application/json" });
    response.write(bytes.subarray(0, 10));
    setTimeout(() => response.end(bytes.subarray(10)), 5);
  },
  "/missing": (_request, response) => {
    response.writeHead(404);
    response.end("no such model");
  },
  "/bom": (_request, response) => {
    response.writeHead(200);
    response.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("{}")]));
  },
  "/empty": (_request, response) => {
    response.writeHead(204);
    response.end();
  },
  "/echo": (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      response.writeHead(200);
      response.end(Buffer.concat(chunks));
    });
  },
  // Headers, part of the body, then nothing: the caller's signal must end it.
  "/stall": (_request, response) => {
    response.writeHead(200);
    response.write("{");
  },
  // The connection dropped halfway through the body.
  "/cut": (_request, response) => {
    response.writeHead(200, { "content-length": "100" });
    response.write("{");
    setTimeout(() => response.socket?.destroy(), 5);
  },
};

async function replica(t: Test) {
  const server = createServer((request, response) => ROUTES[request.url ?? ""]!(request, response));
  const url = await listenOnLoopback(t, server);
  const pool = new Pool(url, { connections: 1 });
  t.teardown(() => pool.destroy());
  return pool;
}

/** What `request()` then `body.text()` answer, or the error either throws. */
async function viaRequest(pool: Pool, options: Parameters<Pool["request"]>[0]) {
  const response = await pool.request(options);
  return { statusCode: response.statusCode, text: await response.body.text() };
}

t.test("answers what request() and body.text() answer", async (t) => {
  const pool = await replica(t);
  for (const path of ["/split", "/missing", "/bom", "/empty"]) {
    const options = { method: "GET" as const, path };
    t.same(await requestText(pool, options), await viaRequest(pool, options), path);
  }
  t.same(await requestText(pool, { method: "GET", path: "/split" }), {
    statusCode: 200,
    text: '{"text":"é€ after"}',
  });
  const body = JSON.stringify({ question: "¿cuál?" });
  const posted = { method: "POST" as const, path: "/echo", body };
  t.same(await requestText(pool, posted), { statusCode: 200, text: body }, "the body goes out");
});

t.test("a signal aborted before the request rejects with its reason, nothing sent", async (t) => {
  const pool = await replica(t);
  const reason = new Error("deadline");
  const signal = AbortSignal.abort(reason);
  await t.rejects(requestText(pool, { method: "GET", path: "/split", signal }), reason);
});

t.test("a signal aborted while the body arrives rejects with its reason", async (t) => {
  const pool = await replica(t);
  const controller = new AbortController();
  const reason = new Error("client closed the connection");
  const pending = requestText(pool, { method: "GET", path: "/stall", signal: controller.signal });
  setTimeout(() => controller.abort(reason), 20);
  await t.rejects(pending, reason);
  // The pool's only connection is free again: the aborted request let go of it.
  t.same(await requestText(pool, { method: "GET", path: "/missing" }), {
    statusCode: 404,
    text: "no such model",
  });
});

t.test("a request waiting for a connection is aborted when it gets one", async (t) => {
  const pool = await replica(t);
  const holder = new AbortController();
  const holding = requestText(pool, { method: "GET", path: "/stall", signal: holder.signal });
  const queued = new AbortController();
  const reason = new Error("shutdown");
  const waiting = requestText(pool, { method: "GET", path: "/split", signal: queued.signal });
  queued.abort(reason);
  holder.abort(new Error("release the connection"));
  await t.rejects(holding, { message: "release the connection" });
  await t.rejects(waiting, reason);
});

t.test(
  "a connection cut under the body rejects with undici's error, as request() does",
  async (t) => {
    const pool = await replica(t);
    const expected = await viaRequest(pool, { method: "GET", path: "/cut" }).catch((e) => e);
    const actual = await requestText(pool, { method: "GET", path: "/cut" }).catch((e) => e);
    t.type(actual, Error);
    t.equal(actual.code, expected.code, `the same code (${expected.code})`);
  },
);
