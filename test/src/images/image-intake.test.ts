import { once } from "node:events";
import type { ServerResponse } from "node:http";
import fc from "fast-check";
import t from "tap";
import { AppError } from "../../../src/core/errors.ts";
import { createImageIntake, type ImageIntakeOptions } from "../../../src/images/image-intake.ts";
import { dataUri, GIF89A, JPEG, PNG, resolvedAsSent, sha256, WEBP } from "./image-bytes.ts";
import { startLoopbackServer } from "./loopback-server.ts";

// Network rule: the only servers contacted are loopback ones started here on port 0.

type Cleanup = { teardown(fn: () => unknown): void };

function intakeFor(t: Cleanup, options: ImageIntakeOptions = {}) {
  const intake = createImageIntake({ maxBytes: 4096, fetchTimeoutMs: 2000, ...options });
  t.teardown(() => intake.close());
  return intake;
}

function failure(code: string, index: number, reason: string) {
  return { code, details: [{ path: `images.${index}.url`, reason }] };
}

t.test("resolves each supported type from a data URI, in request order", async (t) => {
  const images = [
    ["image/png", PNG],
    ["image/jpeg", JPEG],
    ["image/gif", GIF89A],
    ["image/webp", WEBP],
  ] as const;
  const resolved = await intakeFor(t).resolve(
    images.map(([mime, bytes]) => ({ url: dataUri(mime, bytes) })),
  );
  t.same(resolved, resolvedAsSent(images));
});

t.test("labels an image by its bytes, not its declared type", async (t) => {
  const [image] = await intakeFor(t).resolve([{ url: dataUri("image/png", JPEG) }]);
  t.equal(image?.mime, "image/jpeg");
  t.equal(image?.dataUri, dataUri("image/jpeg", JPEG));
});

t.test("resolves nothing to nothing", async (t) => {
  t.same(await intakeFor(t).resolve([]), []);
});

t.test("refuses bytes that are not a supported image with 415", async (t) => {
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
  const intake = intakeFor(t);
  for (const bytes of [svg, Buffer.alloc(0), Buffer.from("BM6\0\0\0", "latin1")]) {
    const error = await intake.resolve([{ url: dataUri("image/png", bytes) }]).catch((e) => e);
    t.match(error, failure("UNSUPPORTED_MEDIA", 0, "unsupported_image_type"));
    t.equal(error.httpStatus, 415);
  }
});

t.test("refuses bad base64 with 400 naming the image", async (t) => {
  const images = [
    { url: dataUri("image/png", PNG) },
    { url: "data:image/png;base64,iVBO$w0KGgo=" },
  ];
  const error = await intakeFor(t)
    .resolve(images)
    .catch((e) => e);
  t.match(error, failure("INVALID_REQUEST", 1, "invalid_base64"));
  t.equal(error.httpStatus, 400);
});

t.test("refuses an oversize data URI with 413", async (t) => {
  const big = Buffer.concat([PNG, Buffer.alloc(4096)]);
  const error = await intakeFor(t)
    .resolve([{ url: dataUri("image/png", big) }])
    .catch((e) => e);
  t.match(error, failure("PAYLOAD_TOO_LARGE", 0, "too_large"));
  t.equal(error.httpStatus, 413);
});

t.test("refuses other schemes, credentials and non-URLs with 400", async (t) => {
  const intake = intakeFor(t, { allow: ["127.0.0.1"] });
  const cases: [string, string][] = [
    ["file:///etc/passwd", "unsupported_scheme"],
    ["ftp://127.0.0.1/x.png", "unsupported_scheme"],
    ["gopher://127.0.0.1:70/_x", "unsupported_scheme"],
    ["javascript:alert(1)", "unsupported_scheme"],
    ["blob:http://127.0.0.1/uuid", "unsupported_scheme"],
    ["http://user:secret@127.0.0.1/x.png", "credentials_not_allowed"],
    ["https://token@127.0.0.1/x.png", "credentials_not_allowed"],
    ["not a url", "invalid_url"],
    ["", "invalid_url"],
    ["DATA:image/png;base64,AAAA", "invalid_data_uri"],
  ];
  for (const [url, reason] of cases) {
    await t.rejects(intake.resolve([{ url }]), failure("INVALID_REQUEST", 0, reason), url);
  }
});

t.test("fetches from an allowed loopback server and hashes the bytes", async (t) => {
  const server = await startLoopbackServer((_req, res) => {
    // The declared type is wrong on purpose: only the magic bytes count.
    res.writeHead(200, { "content-type": "text/plain" }).end(GIF89A);
  });
  t.teardown(() => server.close());
  const [image] = await intakeFor(t, { allow: ["127.0.0.1"] }).resolve([
    { url: server.url("/cat.gif") },
  ]);
  t.same(image, {
    sha256: sha256(GIF89A),
    mime: "image/gif",
    dataUri: dataUri("image/gif", GIF89A),
    byteLength: GIF89A.length,
  });
  t.equal(server.requests.length, 1);
});

t.test("refuses the same server without the allow list, before any request", async (t) => {
  const server = await startLoopbackServer((_req, res) => res.end(PNG));
  t.teardown(() => server.close());
  const intake = intakeFor(t);
  for (const url of [server.url("/x.png"), `http://localhost:${server.port}/x.png`]) {
    const error = await intake.resolve([{ url }]).catch((e) => e);
    t.match(error, failure("IMAGE_FETCH_FAILED", 0, "address_not_allowed"), url);
    t.equal(error.httpStatus, 422);
  }
  t.equal(server.requests.length, 0);
});

t.test("refuses private and metadata addresses before connecting", async (t) => {
  const intake = intakeFor(t);
  for (const url of [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/x.png",
    "http://[::ffff:127.0.0.1]/x.png",
    "http://metadata.google.internal/computeMetadata/v1/",
  ]) {
    await t.rejects(
      intake.resolve([{ url }]),
      failure("IMAGE_FETCH_FAILED", 0, "address_not_allowed"),
      url,
    );
  }
});

t.test("refuses a fetched body that is not an image with 415", async (t) => {
  const server = await startLoopbackServer((_req, res) => res.end("<html></html>"));
  t.teardown(() => server.close());
  await t.rejects(
    intakeFor(t, { allow: ["127.0.0.1"] }).resolve([{ url: server.url("/") }]),
    failure("UNSUPPORTED_MEDIA", 0, "unsupported_image_type"),
  );
});

t.test("the first failure rejects and aborts the other fetches", async (t) => {
  let arrived: (res: ServerResponse) => void = () => {};
  const slow = new Promise<ServerResponse>((resolve) => {
    arrived = resolve;
  });
  const server = await startLoopbackServer((req, res) => {
    if (req.url === "/slow.png") arrived(res);
    // Fail only once the slow fetch is in flight, so there is something to abort.
    else void slow.then(() => res.writeHead(404).end());
  });
  t.teardown(() => server.close());
  // Long enough that only the abort, not the fetch timeout, can end the slow fetch here.
  const intake = intakeFor(t, { allow: ["127.0.0.1"], fetchTimeoutMs: 60_000 });
  const resolving = intake.resolve([
    { url: server.url("/slow.png") },
    { url: server.url("/missing.png") },
  ]);
  await t.rejects(resolving, failure("IMAGE_FETCH_FAILED", 1, "upstream_status_404"));
  await once(await slow, "close");
  t.pass("the slow fetch was aborted");
});

t.test("rejects with the caller's reason when the caller aborts", async (t) => {
  const reason = new Error("deadline");
  const intake = intakeFor(t);
  await t.rejects(
    intake.resolve([{ url: dataUri("image/png", PNG) }], AbortSignal.abort(reason)),
    reason,
  );
});

t.test("rejects invalid options at construction", async (t) => {
  t.throws(() => createImageIntake({ maxBytes: 0 }));
  t.throws(() => createImageIntake({ maxRedirects: -1 }));
  t.throws(() => createImageIntake({ fetchTimeoutMs: 1.5 }));
  t.throws(() => createImageIntake({ allow: ["10.0.0.0/99"] }));
});

t.test("property: any string as a data URI fails only with a 4xx AppError", async (t) => {
  const intake = intakeFor(t, { maxBytes: 512 });
  const base64ish = fc.string({ unit: fc.constantFrom(..."AZaz09+/=-_ $\n%".split("")) });
  const candidate = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.string().map((s) => `data:${s}`),
    fc.constantFrom("png", "jpeg", "webp", "gif", "svg+xml", "PNG").chain((type) =>
      fc.oneof(
        base64ish.map((payload) => `data:image/${type};base64,${payload}`),
        fc.uint8Array({ maxLength: 600 }).map((bytes) => dataUri(`image/${type}`, bytes)),
        fc
          .constantFrom(PNG, JPEG, GIF89A, WEBP)
          .chain((magic) =>
            fc.uint8Array({ maxLength: 64 }).map((tail) => Buffer.concat([magic, tail])),
          )
          .map((bytes) => dataUri(`image/${type}`, bytes)),
      ),
    ),
  );
  // Anything that parses as an http(s) URL would be fetched: keep the property offline.
  const offline = candidate.filter((url) => !/^https?:$/.test(URL.parse(url)?.protocol ?? ""));
  await fc.assert(
    fc.asyncProperty(offline, async (url) => {
      try {
        const [image] = await intake.resolve([{ url }]);
        return image !== undefined && image.byteLength <= 512;
      } catch (error) {
        return error instanceof AppError && error.httpStatus >= 400 && error.httpStatus < 500;
      }
    }),
    { numRuns: 2000 },
  );
  t.pass("held for 2000 inputs");
});
