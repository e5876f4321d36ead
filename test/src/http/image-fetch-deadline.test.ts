import { createServer } from "node:http";
import t from "tap";
import { request } from "undici";
import { buildGateway, startSims } from "../../helpers/gateway.ts";
import { listenOnLoopback } from "../../helpers/loopback-server.ts";

/**
 * When the image fetch is the slow part, the answer says so instead of blaming the engine:
 * the fetch's own timeout is a 422 IMAGE_FETCH_FAILED (`timeout`); the request's deadline
 * passing while an image is still arriving is a 504 UPSTREAM_TIMEOUT naming the image fetch.
 */
t.test("a slow image host", async (t) => {
  // An image host that accepts the request and never answers.
  const host = await listenOnLoopback(
    t,
    createServer(() => {}),
  );
  const sims = await startSims(t, 1);

  const judgeWithImage = async (env: Record<string, string>, headers: Record<string, string>) => {
    const { url } = await buildGateway(
      t,
      { JURIST_BACKENDS: sims[0]!.url, ...env },
      { listen: true },
    );
    const response = await request(`${url}/v1/judge/pairwise`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({
        question: "What is in the picture?",
        images: [{ url: `${host}/slow.png` }],
        responses: ["A cat.", "A dog."],
      }),
    });
    return { status: response.statusCode, body: (await response.body.json()) as unknown };
  };

  t.test("the fetch's own timeout fires first: 422 IMAGE_FETCH_FAILED, timeout", async (t) => {
    const { status, body } = await judgeWithImage({ JURIST_IMAGE_FETCH_TIMEOUT_MS: "200" }, {});
    t.equal(status, 422);
    t.match(body, {
      error: {
        code: "IMAGE_FETCH_FAILED",
        message: /did not arrive in time/,
        details: [{ path: "images.0.url", reason: "timeout" }],
      },
    });
  });

  t.test("the request's deadline passes during the fetch: 504 naming the image", async (t) => {
    const { status, body } = await judgeWithImage(
      { JURIST_IMAGE_FETCH_TIMEOUT_MS: "30000" },
      { "x-jurist-timeout-ms": "200" },
    );
    t.equal(status, 504);
    t.match(body, {
      error: {
        code: "UPSTREAM_TIMEOUT",
        message: "images.0.url: the request's deadline passed while the image was being fetched",
      },
    });
    t.notMatch(JSON.stringify(body), /engine/, "the engine is not blamed");
  });
});
