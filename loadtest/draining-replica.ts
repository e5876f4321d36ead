/**
 * A replica stand-in that costs nothing per byte: it drains each chat completion's body
 * without keeping or parsing it and answers one fixed, valid completion, so a benchmark of
 * large bodies measures the gateway, not a replica process parsing them (a simulated replica
 * is one Node process that JSON-parses every body; under five 60 MB verdicts it misses its own
 * `/health`). Everything else is answered as vLLM answers it: `/health` 200 with an empty body,
 * `/v1/models`, `/metrics` with its queue depth, `/version`.
 *
 * The answer is a reasoned verdict for slot A with vLLM-shaped logprobs (the verdict letter's
 * top alternatives list both letters); with `--answer fast`, the one constrained token `A`
 * with the same logprobs, what a replica honouring a fast verdict's choice answers (the
 * gateway counts any other text as an unconstrained answer and refuses it as a verdict).
 * `--latency-ms N` answers N ms after the body has arrived, as a replica busy generating would,
 * so callers hold their requests that long.
 * Run: node --import=tsx loadtest/draining-replica.ts [--port 0] [--model ID] [--answer fast]
 *   [--latency-ms 0]
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    model: { type: "string", default: "draining-judge" },
    answer: { type: "string", default: "reasoned" },
    "latency-ms": { type: "string", default: "0" },
  },
});
const latencyMs = Number(values["latency-ms"]);
if (values.answer !== "reasoned" && values.answer !== "fast") {
  throw new Error(`--answer reasoned|fast, not ${values.answer}`);
}
const model = values.model;
const startedAt = Math.floor(Date.now() / 1000);

const VERDICT_TOKEN = {
  token: "A",
  logprob: -0.22,
  top_logprobs: [
    { token: "A", logprob: -0.22 },
    { token: "B", logprob: -1.6 },
  ],
};
/** The completion's tokens; the verdict letter carries both letters as alternatives. */
const REASONED_TOKENS = [
  { token: "Image", logprob: -0.4, top_logprobs: [] },
  { token: " one", logprob: -0.3, top_logprobs: [] },
  { token: " fits", logprob: -0.5, top_logprobs: [] },
  { token: ".", logprob: -0.1, top_logprobs: [] },
  { token: " [[", logprob: -0.01, top_logprobs: [] },
  VERDICT_TOKEN,
  { token: "]]", logprob: -0.01, top_logprobs: [] },
];
const TOKENS = values.answer === "fast" ? [VERDICT_TOKEN] : REASONED_TOKENS;
const CONTENT = TOKENS.map((entry) => entry.token).join("");

let running = 0;
let served = 0;

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value));
}

function completion() {
  served += 1;
  return {
    id: `chatcmpl-${served}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: CONTENT },
        logprobs: { content: TOKENS },
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: 1_000,
      completion_tokens: TOKENS.length,
      total_tokens: 1_000 + TOKENS.length,
    },
  };
}

const server = createServer((request, response) => {
  const path = request.url ?? "/";
  if (request.method === "POST" && path === "/v1/chat/completions") {
    running += 1;
    // Drained as it arrives, nothing kept: the cost of a body here is reading the socket.
    request.resume();
    request.once("end", () => {
      const answer = () => {
        running -= 1;
        json(response, 200, completion());
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
    request.once("error", () => {
      running -= 1;
    });
    return;
  }
  request.resume();
  if (path === "/health") {
    response.writeHead(200);
    response.end();
  } else if (path === "/v1/models") {
    json(response, 200, {
      object: "list",
      data: [{ id: model, object: "model", created: startedAt, root: model, parent: null }],
    });
  } else if (path === "/metrics") {
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    response.end(
      `vllm:num_requests_running{model_name="${model}"} ${running}\n` +
        `vllm:num_requests_waiting{model_name="${model}"} 0\n`,
    );
  } else if (path === "/version") {
    json(response, 200, { version: "0.11.0" });
  } else {
    json(response, 404, { detail: "Not Found" });
  }
});

server.listen(Number(values.port), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`draining replica listening on http://127.0.0.1:${port}\n`);
});
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
});
