import t, { type Test } from "tap";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { type RawAnswer, rawExchange } from "../../helpers/raw-http.ts";

/**
 * What reaches a gateway below its routes: malformed framing, oversized headers, slow clients,
 * an unmet `Expect`, a missing Host, sent over raw sockets. Follows Node 20's http server
 * (lib/_http_server.js: `clientError` with llhttp's `HPE_*` codes, `checkExpectation`,
 * `requireHostHeader`, `headersTimeout`/`requestTimeout`) and Fastify 5.12.8's
 * `clientErrorHandler` and `frameworkErrors` options, as installed here (Node 20.20, llhttp 9.3).
 */

// Short receive timeouts so the slow clients below are cut in well under a second.
const HEADERS_TIMEOUT_MS = 300;
const BODY_TIMEOUT_MS = 600;

t.test("protocol errors answer in the catalogue's shape", async (t) => {
  const sims = await startSims(t, 1);
  const { url } = await buildGateway(
    t,
    {
      JURIST_BACKENDS: sims[0]!.url,
      JURIST_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      JURIST_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
    },
    { listen: true },
  );

  const expect = (t: Test, answer: RawAnswer, status: number, code: string) => {
    t.equal(answer.status, status, `status ${status}: ${answer.text.slice(0, 200)}`);
    t.match(answer.body, { error: { code, message: String } }, `error.code ${code}`);
    t.equal(answer.headers.connection, "close", "the connection closes");
  };

  t.test("a malformed request line", async (t) => {
    const answer = await rawExchange(url, ["HELLO THERE\r\n\r\n"]);
    expect(t, answer, 400, "INVALID_REQUEST");
  });

  t.test("a request with both Content-Length and chunked framing", async (t) => {
    const answer = await rawExchange(url, [
      "POST /v1/judge/pairwise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ]);
    expect(t, answer, 400, "INVALID_REQUEST");
  });

  t.test("a chunk size that is not hex", async (t) => {
    const answer = await rawExchange(url, [
      "POST /v1/judge/pairwise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    ]);
    expect(t, answer, 400, "INVALID_REQUEST");
  });

  t.test("headers past Node's size limit", async (t) => {
    const answer = await rawExchange(url, [
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(32 * 1024)}\r\n\r\n`,
    ]);
    expect(t, answer, 431, "HEADERS_TOO_LARGE");
  });

  t.test("a client that sends its headers slowly", async (t) => {
    // Half a request line, then silence for longer than the headers timeout.
    const answer = await rawExchange(url, ["GET /heal", HEADERS_TIMEOUT_MS * 10]);
    expect(t, answer, 408, "REQUEST_TIMEOUT");
  });

  t.test("a client that connects and sends nothing", async (t) => {
    const answer = await rawExchange(url, [HEADERS_TIMEOUT_MS * 10]);
    expect(t, answer, 408, "REQUEST_TIMEOUT");
  });

  t.test("a client that sends its body slowly", async (t) => {
    // Headers at once, then a byte of the body at a time, slower than the body timeout allows.
    const body = '{"question":"q","responses":["a","b"]}';
    const drip = [...body].flatMap((byte) => [byte, 100]);
    const answer = await rawExchange(url, [
      "POST /v1/judge/pairwise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        `Content-Length: ${body.length}\r\n\r\n`,
      ...drip,
    ]);
    expect(t, answer, 408, "REQUEST_TIMEOUT");
  });

  t.test("a path parameter that is not valid percent-encoding", async (t) => {
    const answer = await rawExchange(url, [
      "GET /docs/static/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]);
    t.equal(answer.status, 400, answer.text.slice(0, 200));
    t.match(answer.body, { error: { code: "INVALID_REQUEST" } });
  });

  t.test("an expectation the server does not meet", async (t) => {
    const answer = await rawExchange(url, [
      "POST /v1/judge/pairwise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Expect: foo\r\nContent-Length: 2\r\n\r\n{}",
    ]);
    expect(t, answer, 417, "EXPECTATION_FAILED");
    t.match(answer.body, { error: { message: /Expect: foo/ } });
  });

  t.test("Expect: 100-continue is still met", async (t) => {
    const body = JSON.stringify({ question: "How many apples?", responses: ["one", "two"] });
    const answer = await rawExchange(url, [
      "POST /v1/judge/pairwise HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        `Expect: 100-continue\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`,
      100,
      body,
    ]);
    t.match(answer.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    t.match(answer.text, /"winner":/);
  });

  t.test("an HTTP/1.1 request without Host", async (t) => {
    const answer = await rawExchange(url, ["GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"]);
    expect(t, answer, 400, "INVALID_REQUEST");
    t.match(answer.body, {
      error: {
        message: "an HTTP/1.1 request needs a Host header",
        details: [{ reason: "missing_host" }],
      },
    });
    // HTTP/1.0 needs none.
    const old = await rawExchange(url, ["GET /healthz HTTP/1.0\r\n\r\n"]);
    t.equal(old.status, 200, old.text.slice(0, 200));
  });

  t.test("a well-formed request on the same server still answers", async (t) => {
    const answer = await rawExchange(url, [
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ]);
    t.equal(answer.status, 200);
    t.same(answer.body, { status: "ok" });
  });
});
