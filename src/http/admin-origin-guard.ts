import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../core/errors.ts";

/** Methods that change nothing: the guard lets them through (a page cannot read the answer). */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const LOOPBACK_HOST = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/i;

export interface AdminOriginGuardOptions {
  /** Origins (`scheme://host[:port]`, normalised) allowed besides the gateway's own. */
  adminOrigins: ReadonlySet<string>;
  /** The gateway listens on loopback only: the call must name a loopback host. */
  loopbackOnly: boolean;
}

/** Whether `request` may change state: GET, HEAD and OPTIONS are reads. */
export function changesState(request: Pick<FastifyRequest, "method">): boolean {
  return !SAFE_METHODS.has(request.method);
}

function hostnameOf(host: string): string {
  return host.replace(/:\d+$/, "");
}

function originOf(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function forbidden(message: string): AppError {
  return new AppError("FORBIDDEN", `cross-origin admin call refused: ${message}`);
}

/**
 * Why a browser page on another site could not be making this call, or the refusal. A page
 * can always make a browser send a "simple" request (POST with no body, text/plain, a form) to
 * any address, cookies or not, with `fetch(…, { mode: "no-cors" })` or a form; it cannot read
 * the answer, but the call still acts. Browsers mark such requests with `Origin` and
 * `Sec-Fetch-Site`, and cannot send `content-type: application/json` without a CORS preflight,
 * which the gateway never answers (it sends no CORS headers).
 */
function refusal(request: FastifyRequest, options: AdminOriginGuardOptions): AppError | null {
  const site = request.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") {
    return forbidden(`the browser says it comes from another site (Sec-Fetch-Site: ${site})`);
  }
  // Browsers always send Host; a client without one (HTTP/1.0) is no page on a rebound name.
  const host = (request.host ?? "").toLowerCase();
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const url = originOf(origin);
    // Through URL, so a default port written in Host (`localhost:80`) compares equal.
    const own = url !== null && originOf(`${url.protocol}//${host}`)?.host === url.host;
    if (!own && !(url !== null && options.adminOrigins.has(url.origin))) {
      return forbidden(
        `Origin ${origin} is not this gateway (${host}) nor listed in JURIST_ADMIN_ORIGINS`,
      );
    }
  }
  if (options.loopbackOnly && host !== "" && !LOOPBACK_HOST.test(hostnameOf(host))) {
    const listed = [...options.adminOrigins].some((allowed) => new URL(allowed).host === host);
    if (!listed) {
      return forbidden(
        `the gateway listens on loopback, but the call names host ${host} (a page on a rebound DNS name would); list its origin in JURIST_ADMIN_ORIGINS if it is yours`,
      );
    }
  }
  return null;
}

function isJson(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "application/json";
}

/**
 * Adds an onRequest hook to this plugin context's state-changing routes (every method but GET,
 * HEAD and OPTIONS, so a route added later is covered too): 403 FORBIDDEN for a call a browser
 * marks as coming from another site or origin, 415 UNSUPPORTED_MEDIA unless the body is
 * declared `application/json` (no body at all included: send `{}`). Runs in every auth mode,
 * before the key is checked and before the body is read.
 */
export function guardAdminOrigin(app: FastifyInstance, options: AdminOriginGuardOptions): void {
  app.addHook("onRequest", async (request) => {
    if (!changesState(request)) return;
    const refused = refusal(request, options);
    if (refused) throw refused;
    if (!isJson(request.headers["content-type"])) {
      throw new AppError(
        "UNSUPPORTED_MEDIA",
        "state-changing admin calls must be sent with content-type: application/json (send {} when there is nothing to say)",
      );
    }
  });
}
