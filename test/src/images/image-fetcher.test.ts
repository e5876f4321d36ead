import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import t from "tap";
import { createAddressPolicy } from "../../../src/images/address-policy.ts";
import type { ResolveHost } from "../../../src/images/guarded-lookup.ts";
import { createImageFetcher, type ImageFetcherOptions } from "../../../src/images/image-fetcher.ts";
import { PNG } from "./image-bytes.ts";
import { type LoopbackServer, startLoopbackServer } from "./loopback-server.ts";

// Network rule: traffic only goes to loopback servers started here on port 0. Non-loopback
// addresses appear only as literal IPs (in URLs or redirects) that must be refused before
// any connection is attempted.

const PATH = "images.0.url";

/** The part of a tap test these helpers need. */
type Cleanup = { teardown(fn: () => unknown): void };

type FetcherSetup = Partial<ImageFetcherOptions> & { allow?: string[] };

function fetcherFor(t: Cleanup, { allow = ["127.0.0.1"], ...options }: FetcherSetup = {}) {
  const fetcher = createImageFetcher({
    maxBytes: 1024,
    fetchTimeoutMs: 2000,
    maxRedirects: 3,
    policy: createAddressPolicy(allow),
    ...options,
  });
  t.teardown(() => fetcher.close());
  return fetcher;
}

async function serve(t: Cleanup, handler: Parameters<typeof startLoopbackServer>[0]) {
  const server = await startLoopbackServer(handler);
  t.teardown(() => server.close());
  return server;
}

function fetchFailed(reason: string) {
  return { code: "IMAGE_FETCH_FAILED", details: [{ path: PATH, reason }] };
}

// /hop/<n> redirects n more times before landing on the image.
function redirectingHandler(server: () => LoopbackServer) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const hops = Number(/^\/hop\/(\d+)$/.exec(req.url ?? "")?.[1] ?? Number.NaN);
    if (hops > 0) {
      const next = hops === 1 ? "/image.png" : `/hop/${hops - 1}`;
      // Alternate relative and absolute Locations.
      res.writeHead(hops % 2 ? 302 : 301, { location: hops % 2 ? next : server().url(next) });
      res.end();
    } else {
      res.writeHead(200, { "content-type": "image/png" }).end(PNG);
    }
  };
}

t.test("fetches an image from an allowed loopback address", async (t) => {
  const server = await serve(t, (_req, res) => res.end(PNG));
  const bytes = await fetcherFor(t).fetch(new URL(server.url("/a.png")), PATH);
  t.same(bytes, PNG);
  t.same(
    server.requests.map((r) => r.path),
    ["/a.png"],
  );
});

t.test("follows redirects up to the limit", async (t) => {
  let server: LoopbackServer | undefined;
  server = await serve(
    t,
    redirectingHandler(() => server!),
  );
  const bytes = await fetcherFor(t).fetch(new URL(server.url("/hop/3")), PATH);
  t.same(bytes, PNG);
  t.equal(server.requests.length, 4);
});

t.test("refuses a redirect chain beyond the limit without following it", async (t) => {
  let server: LoopbackServer | undefined;
  server = await serve(
    t,
    redirectingHandler(() => server!),
  );
  const fetching = fetcherFor(t).fetch(new URL(server.url("/hop/4")), PATH);
  await t.rejects(fetching, fetchFailed("too_many_redirects"));
  t.same(
    server.requests.map((r) => r.path),
    ["/hop/4", "/hop/3", "/hop/2", "/hop/1"],
  );
});

t.test("maxRedirects 0 refuses the first redirect", async (t) => {
  let server: LoopbackServer | undefined;
  server = await serve(
    t,
    redirectingHandler(() => server!),
  );
  const fetching = fetcherFor(t, { maxRedirects: 0 }).fetch(new URL(server.url("/hop/1")), PATH);
  await t.rejects(fetching, fetchFailed("too_many_redirects"));
});

t.test("re-checks every redirect target", async (t) => {
  const targets: Record<string, string> = {
    "/metadata": "http://169.254.169.254/latest/meta-data/",
    "/private": "http://10.0.0.1/x.png",
    "/mapped": "http://[::ffff:192.168.0.1]/x.png",
    "/named-metadata": "http://metadata.google.internal/computeMetadata/v1/",
    "/file": "file:///etc/passwd",
    "/ftp": "ftp://127.0.0.1/x.png",
    "/credentials": "http://user:pass@127.0.0.1/x.png",
  };
  const server = await serve(t, (req, res) => {
    res.writeHead(302, { location: targets[req.url ?? ""] ?? "/" }).end();
  });
  // A fetch that reached the resolver would be a bug; the fake one records it.
  const asked: string[] = [];
  const resolveHost: ResolveHost = async (hostname) => {
    asked.push(hostname);
    return [];
  };
  const fetcher = fetcherFor(t, { resolveHost });
  const expected: Record<string, string> = {
    "/metadata": "address_not_allowed",
    "/private": "address_not_allowed",
    "/mapped": "address_not_allowed",
    "/named-metadata": "address_not_allowed",
    "/file": "redirect_not_allowed",
    "/ftp": "redirect_not_allowed",
    "/credentials": "redirect_not_allowed",
  };
  for (const [path, reason] of Object.entries(expected)) {
    await t.rejects(fetcher.fetch(new URL(server.url(path)), PATH), fetchFailed(reason), path);
  }
  t.same(asked, []);
  t.equal(server.requests.length, Object.keys(expected).length);
});

t.test("refuses a redirect to a loopback address outside the allow list", async (t) => {
  const origin = await serve(t, (_req, res) => res.end(PNG));
  // ::1 is loopback but only 127.0.0.1 is allowed: refused before connecting.
  const server = await serve(t, (_req, res) => {
    res.writeHead(307, { location: `http://[::1]:${origin.port}/x.png` }).end();
  });
  await t.rejects(
    fetcherFor(t).fetch(new URL(server.url("/")), PATH),
    fetchFailed("address_not_allowed"),
  );
  t.equal(origin.requests.length, 0);
});

t.test("refuses literal non-public IPs without connecting", async (t) => {
  const fetcher = fetcherFor(t, { allow: [] });
  const urls = [
    "http://10.0.0.1/x.png",
    "http://192.168.1.10/x.png",
    "http://172.16.5.4/x.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/x.png",
    "http://0.0.0.0/x.png",
    "http://[::]/x.png",
    "http://[fd00::1]/x.png",
    "http://[fe80::1]/x.png",
    "https://[::ffff:169.254.169.254]/x.png",
    "http://2130706433/x.png",
    "http://0x7f.1/x.png",
  ];
  for (const url of urls) {
    await t.rejects(fetcher.fetch(new URL(url), PATH), fetchFailed("address_not_allowed"), url);
  }
});

t.test(
  "refuses loopback in every spelling when not allowed; the server sees nothing",
  async (t) => {
    const server = await serve(t, (_req, res) => res.end(PNG));
    const fetcher = fetcherFor(t, { allow: [] });
    const urls = [
      server.url("/x.png"),
      `http://[::ffff:127.0.0.1]:${server.port}/x.png`,
      // Resolved by the system resolver to loopback, refused inside the socket's lookup.
      `http://localhost:${server.port}/x.png`,
    ];
    for (const url of urls) {
      await t.rejects(fetcher.fetch(new URL(url), PATH), fetchFailed("address_not_allowed"), url);
    }
    t.equal(server.requests.length, 0);
  },
);

t.test("connects to the checked address and keeps the Host header", async (t) => {
  const server = await serve(t, (_req, res) => res.end(PNG));
  const resolveHost: ResolveHost = async () => [{ address: "127.0.0.1", family: 4 }];
  const fetcher = fetcherFor(t, { resolveHost });
  const bytes = await fetcher.fetch(new URL(`http://images.test:${server.port}/x.png`), PATH);
  t.same(bytes, PNG);
  t.same(server.requests, [{ path: "/x.png", host: `images.test:${server.port}` }]);
});

t.test("a name resolving to a refused address never connects", async (t) => {
  const server = await serve(t, (_req, res) => res.end(PNG));
  const resolveHost: ResolveHost = async () => [{ address: "127.0.0.1", family: 4 }];
  const fetcher = fetcherFor(t, { allow: [], resolveHost });
  await t.rejects(
    fetcher.fetch(new URL(`http://rebind.test:${server.port}/x.png`), PATH),
    fetchFailed("address_not_allowed"),
  );
  t.equal(server.requests.length, 0);
});

t.test("reports DNS failure", async (t) => {
  const resolveHost: ResolveHost = async () => {
    throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
  };
  await t.rejects(
    fetcherFor(t, { resolveHost }).fetch(new URL("http://nowhere.test/x.png"), PATH),
    fetchFailed("dns_failed"),
  );
});

t.test("reports a refused connection", async (t) => {
  const server = await startLoopbackServer((_req, res) => res.end());
  const url = server.url("/x.png");
  await server.close();
  await t.rejects(fetcherFor(t).fetch(new URL(url), PATH), fetchFailed("connection_failed"));
});

t.test("reports non-2xx upstream statuses", async (t) => {
  const server = await serve(t, (req, res) => {
    res.writeHead(Number(req.url?.slice(1))).end("nope");
  });
  const fetcher = fetcherFor(t);
  for (const status of [404, 500, 204, 304]) {
    const expected = status === 204 ? undefined : fetchFailed(`upstream_status_${status}`);
    const fetching = fetcher.fetch(new URL(server.url(`/${status}`)), PATH);
    if (expected) await t.rejects(fetching, expected, String(status));
    else t.same(await fetching, Buffer.alloc(0), "204 is a success with an empty body");
  }
  const error = await fetcher.fetch(new URL(server.url("/404")), PATH).catch((e) => e);
  t.equal(error.httpStatus, 422);
});

t.test("times out a server that never answers", async (t) => {
  const server = await serve(t, () => {});
  await t.rejects(
    fetcherFor(t, { fetchTimeoutMs: 200 }).fetch(new URL(server.url("/slow")), PATH),
    fetchFailed("timeout"),
  );
});

t.test("times out a body that stalls", async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": String(PNG.length) });
    res.write(PNG.subarray(0, 8));
  });
  await t.rejects(
    fetcherFor(t, { fetchTimeoutMs: 200 }).fetch(new URL(server.url("/stall")), PATH),
    fetchFailed("timeout"),
  );
});

t.test("refuses a declared Content-Length over the cap", async (t) => {
  const server = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": "4096" }).end(Buffer.alloc(4096));
  });
  await t.rejects(fetcherFor(t).fetch(new URL(server.url("/big")), PATH), {
    code: "PAYLOAD_TOO_LARGE",
    details: [{ path: PATH, reason: "too_large" }],
  });
});

t.test("aborts a chunked body once it passes the cap", async (t) => {
  let closed: Promise<unknown> | undefined;
  const server = await serve(t, (_req, res) => {
    closed = once(res, "close");
    res.writeHead(200);
    // Far more than the cap, but written lazily so the server only sends what is read.
    let sent = 0;
    const pump = () => {
      while (sent < 1024 * 1024 && res.write(Buffer.alloc(256, 1))) sent += 256;
      if (sent < 1024 * 1024) res.once("drain", pump);
      else res.end();
    };
    pump();
  });
  await t.rejects(fetcherFor(t).fetch(new URL(server.url("/chunked")), PATH), {
    code: "PAYLOAD_TOO_LARGE",
  });
  await closed;
  t.pass("the upstream connection was closed");
});

t.test("accepts a body of exactly maxBytes", async (t) => {
  const body = Buffer.concat([PNG, Buffer.alloc(1024 - PNG.length)]);
  const server = await serve(t, (_req, res) => {
    res.writeHead(200);
    res.write(body.subarray(0, 500));
    res.end(body.subarray(500));
  });
  t.equal((await fetcherFor(t).fetch(new URL(server.url("/x")), PATH)).length, 1024);
});

t.test("rejects with the caller's reason when the caller aborts", async (t) => {
  const server = await serve(t, () => {});
  const controller = new AbortController();
  const reason = new Error("client went away");
  const fetching = fetcherFor(t).fetch(new URL(server.url("/slow")), PATH, controller.signal);
  setTimeout(() => controller.abort(reason), 20);
  await t.rejects(fetching, reason);
});
