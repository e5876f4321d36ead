import { Agent, type Dispatcher, request } from "undici";
import { AppError } from "../core/errors.ts";
import { linkSignals } from "../core/signals.ts";
import type { AddressPolicy } from "./address-policy.ts";
import { AddressNotAllowedError, createGuardedLookup, type ResolveHost } from "./guarded-lookup.ts";
import { literalHost, remoteUrlProblem } from "./remote-url.ts";

/** Options for {@link createImageFetcher}; already validated by the intake. */
export interface ImageFetcherOptions {
  /** Largest body accepted, in bytes, by Content-Length and while streaming. */
  maxBytes: number;
  /** Budget for the whole fetch (every redirect hop and the body), in milliseconds. */
  fetchTimeoutMs: number;
  /** Redirects followed before giving up with IMAGE_FETCH_FAILED. */
  maxRedirects: number;
  /** Which addresses may be connected to. */
  policy: AddressPolicy;
  /** Hostname resolution; defaults to the system resolver. Tests inject a fake one. */
  resolveHost?: ResolveHost | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DNS_ERRORS = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "ENODATA"]);
const TIMEOUT_ERRORS = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);
const HEADERS = {
  accept: "image/png, image/jpeg, image/webp, image/gif",
  "user-agent": "jurist-image-intake",
};

function fetchFailed(path: string, reason: string, message: string, cause?: unknown): AppError {
  return new AppError("IMAGE_FETCH_FAILED", `${path}: ${message}`, {
    details: [{ path, reason }],
    cause,
  });
}

function tooLarge(path: string, maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `${path} is larger than ${maxBytes} bytes`, {
    details: [{ path, reason: "too_large" }],
  });
}

// The error and its `cause` chain: undici and net wrap the error that tells us what happened.
function* causes(error: unknown): Generator<Error> {
  for (let e: unknown = error; e instanceof Error; e = e.cause) yield e;
}

function hasCode(error: unknown, codes: ReadonlySet<string>): boolean {
  for (const e of causes(error)) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && codes.has(code)) return true;
  }
  return false;
}

function isRefusal(error: unknown): boolean {
  for (const e of causes(error)) if (e instanceof AddressNotAllowedError) return true;
  return false;
}

// Literal IPs never reach the guarded lookup (net.connect skips it), so they are checked here.
function checkHop(url: URL, policy: AddressPolicy, path: string): void {
  const ip = literalHost(url);
  const refused = ip ? !policy.isAddressAllowed(ip) : policy.isHostnameRefused(url.hostname);
  if (refused) throw fetchFailed(path, "address_not_allowed", "the image address is not allowed");
}

function nextHop(location: string, from: URL, path: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch (cause) {
    throw fetchFailed(path, "invalid_redirect", "the image redirected to an invalid URL", cause);
  }
  const problem = remoteUrlProblem(next);
  if (problem) throw fetchFailed(path, "redirect_not_allowed", `redirect refused (${problem})`);
  return next;
}

// Destroying a body with no listener would surface its abort error as an uncaught exception.
function discard(body: Dispatcher.ResponseData["body"]): void {
  body.on("error", () => {}).destroy();
}

async function readCapped(body: Dispatcher.ResponseData["body"], maxBytes: number, path: string) {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      discard(body);
      throw tooLarge(path, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The request's deadline (UPSTREAM_TIMEOUT) passed while this image was still arriving: the
 * caller hears that the image fetch was the slow part, not the catalogue's "the judge engine
 * did not answer in time" (no engine was called yet). Still a 504, as any deadline is; a fetch
 * slower than its own JURIST_IMAGE_FETCH_TIMEOUT_MS is a 422 IMAGE_FETCH_FAILED instead.
 */
function deadlineDuringFetch(reason: unknown, path: string): unknown {
  const isDeadline = reason instanceof AppError && reason.code === "UPSTREAM_TIMEOUT";
  // Already said by a sibling image's fetch: keep its path.
  if (!isDeadline || reason.publicMessage !== undefined) return reason;
  const message = `${path}: the request's deadline passed while the image was being fetched`;
  return new AppError("UPSTREAM_TIMEOUT", message, {
    publicMessage: message,
    details: [{ path, reason: "deadline_during_fetch" }],
    cause: reason,
  });
}

const fetchTimedOut = () => new DOMException("the image fetch timed out", "TimeoutError");
function classify(
  error: unknown,
  path: string,
  caller: AbortSignal | undefined,
  timedOut: boolean,
) {
  // The caller gave up (client gone, deadline, a sibling image failed): pass its reason on,
  // saying so when it was the request's deadline. First: undici rejects with that reason,
  // which may itself be an AppError.
  if (caller?.aborted) return deadlineDuringFetch(caller.reason, path);
  if (error instanceof AppError) return error;
  if (timedOut || hasCode(error, TIMEOUT_ERRORS)) {
    return fetchFailed(path, "timeout", "the image did not arrive in time", error);
  }
  if (isRefusal(error)) {
    return fetchFailed(path, "address_not_allowed", "the image address is not allowed", error);
  }
  if (hasCode(error, DNS_ERRORS)) {
    return fetchFailed(path, "dns_failed", "the image host could not be resolved", error);
  }
  return fetchFailed(path, "connection_failed", "the image could not be fetched", error);
}

/**
 * Fetches remote images through one undici Agent whose sockets resolve hosts with the
 * guarded lookup, so every connection — first hop and redirects — goes to a checked address.
 */
export function createImageFetcher(options: ImageFetcherOptions) {
  const { maxBytes, fetchTimeoutMs, maxRedirects, policy } = options;
  const agent = new Agent({
    connect: {
      lookup: createGuardedLookup(policy, options.resolveHost),
      timeout: fetchTimeoutMs,
    },
    headersTimeout: fetchTimeoutMs,
    bodyTimeout: fetchTimeoutMs,
  });

  async function follow(url: URL, path: string, signal: AbortSignal): Promise<Buffer> {
    let target = url;
    for (let hop = 0; ; hop++) {
      checkHop(target, policy, path);
      const { statusCode, headers, body } = await request(target, {
        dispatcher: agent,
        method: "GET",
        headers: HEADERS,
        signal,
      });
      const location = headers.location;
      if (REDIRECTS.has(statusCode) && typeof location === "string") {
        await body.dump();
        if (hop >= maxRedirects) {
          throw fetchFailed(path, "too_many_redirects", `more than ${maxRedirects} redirects`);
        }
        target = nextHop(location, target, path);
        continue;
      }
      if (statusCode < 200 || statusCode > 299) {
        await body.dump();
        throw fetchFailed(path, `upstream_status_${statusCode}`, `upstream answered ${statusCode}`);
      }
      if (Number(headers["content-length"]) > maxBytes) {
        discard(body);
        throw tooLarge(path, maxBytes);
      }
      return readCapped(body, maxBytes, path);
    }
  }

  return {
    /**
     * The bytes at `url` (http or https; the caller has checked the scheme), following up
     * to `maxRedirects` redirects. Rejects with IMAGE_FETCH_FAILED (details reason
     * `address_not_allowed`, `dns_failed`, `timeout`, `too_many_redirects`,
     * `redirect_not_allowed`, `invalid_redirect`, `upstream_status_<n>`, `connection_failed`),
     * PAYLOAD_TOO_LARGE past `maxBytes`, or with `signal.reason` when `signal` aborts (an
     * UPSTREAM_TIMEOUT reason, the request's deadline, is re-said as the image fetch's).
     */
    async fetch(url: URL, path: string, signal?: AbortSignal): Promise<Buffer> {
      const fetching = linkSignals(signal).expireAfter(fetchTimeoutMs, fetchTimedOut);
      try {
        return await follow(url, path, fetching.signal);
      } catch (error) {
        throw classify(error, path, signal, fetching.expired);
      } finally {
        fetching.dispose();
      }
    },
    /** Closes the agent's pooled connections once in-flight fetches finish. */
    close: (): Promise<void> => agent.close(),
  };
}

export type ImageFetcher = ReturnType<typeof createImageFetcher>;
