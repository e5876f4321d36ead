import { z } from "zod";
import { dataUriText } from "../core/data-uri-payload.ts";
import { AppError } from "../core/errors.ts";
import { type Reservation, UNBUDGETED } from "../core/inflight-bytes.ts";
import { linkSignals } from "../core/signals.ts";
import type { DataUri, ResolvedImage } from "../core/types.ts";
import { loopPacer } from "../engine/loop-pacer.ts";
import { createAddressPolicy } from "./address-policy.ts";
import { type BudgetedImage, budgetImage, settleBudgeted } from "./budgeted-image.ts";
import { decodeDataUri } from "./data-uri.ts";
import type { ResolveHost } from "./guarded-lookup.ts";
import { budgetProblem, type ImageBudget } from "./image-budget.ts";
import { createImageFetcher } from "./image-fetcher.ts";
import { type ImageObserver, NO_IMAGE_OBSERVER } from "./image-observer.ts";
import { remoteUrlProblem } from "./remote-url.ts";
import { createResizeSlots } from "./resize-slots.ts";

/**
 * An image to be resized holds its decoded pixels against the request's budget from its check
 * on: a resize decodes up to 4 bytes a pixel (libvips), far more than the bytes sent.
 */
function withPixelsHeld(image: BudgetedImage, inflight: Reservation): BudgetedImage {
  if ("resize" in image) inflight.grow(image.decodedBytes);
  return image;
}

/** Options for {@link createImageIntake}. Invalid values throw at construction. */
export interface ImageIntakeOptions {
  /** Largest image accepted, in decoded bytes (default 20 MiB); larger → PAYLOAD_TOO_LARGE. */
  maxBytes?: number;
  /** Budget for fetching one remote image, redirects and body included, in ms (default 10,000). */
  fetchTimeoutMs?: number;
  /** Redirects followed per remote image (default 3); one more → IMAGE_FETCH_FAILED. */
  maxRedirects?: number;
  /**
   * IPs or CIDRs fetched even though loopback/private/link-local (e.g. `127.0.0.1` in tests,
   * an internal image store's `10.20.0.0/16`), or metadata hostnames to stop refusing by name.
   */
  allow?: string[];
  /** Hostname resolution for remote images; defaults to the system resolver (tests inject). */
  resolveHost?: ResolveHost;
  /**
   * How large an image may be ({@link DEFAULT_IMAGE_BUDGET} for what is not given): forwarded
   * as it came, resized by the gateway, or refused before decoding.
   */
  budget?: Partial<ImageBudget>;
  /** Sees every resize and every refusal by header or pixels (metrics). */
  observer?: ImageObserver;
  /**
   * Resizes run at once by this intake, across all requests (default 2); the others wait
   * for a slot (`resize-slots.ts` says why).
   */
  resizeConcurrency?: number;
}

/**
 * The defaults of {@link ImageIntakeOptions.budget} (and of the JURIST_IMAGE_* settings):
 * 28·28·1280 pixels, the max_pixels Qwen2-VL-family processors are served with when each image
 * may cost at most 1,280 visual tokens (one token per 28×28 block); no edge limit of its own
 * (the edge bound equals the ceiling's, as those processors bound tokens by area alone); and a
 * ceiling of 50 megapixels and 16,384 pixels an edge for what the gateway decodes to resize:
 * the largest phone photos (48 MP, 8000×6000) pass, a 10000×10000 image (300 MB of RGB once
 * inflated, from a few hundred kilobytes of PNG) does not, and a resize decodes at most 200 MB
 * (RGBA), with `resizeConcurrency` of them at once.
 */
export const DEFAULT_IMAGE_BUDGET: ImageBudget = {
  maxPixels: 28 * 28 * 1280,
  maxEdge: 16_384,
  maxInputPixels: 50_000_000,
  maxInputEdge: 16_384,
};

/**
 * One image as a request carries it: a `data:` URI (as a string, or as the bytes of its text:
 * an HTTP body's slice, or gRPC's image bytes encoded once) or an `http(s)` URL.
 */
export interface ImageRef {
  url: DataUri;
}

const MIB = 1024 * 1024;

const optionsSchema = z.object({
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(20 * MIB),
  fetchTimeoutMs: z.number().int().positive().default(10_000),
  maxRedirects: z.number().int().nonnegative().default(3),
  allow: z.array(z.string()).default([]),
  resizeConcurrency: z.number().int().positive().default(2),
});

function invalid(path: string, reason: string, message: string): AppError {
  return new AppError("INVALID_REQUEST", message, { details: [{ path, reason }] });
}

/** "data:", any case, at the start of a URI's text or bytes (ASCII letters: `| 0x20` lowers them). */
function isDataUri(raw: DataUri): boolean {
  if (typeof raw === "string") return /^data:/i.test(raw);
  return (
    raw.length >= 5 &&
    (raw[0]! | 0x20) === 0x64 &&
    (raw[1]! | 0x20) === 0x61 &&
    (raw[2]! | 0x20) === 0x74 &&
    (raw[3]! | 0x20) === 0x61 &&
    raw[4] === 0x3a
  );
}

function parseRemote(raw: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(path, "invalid_url", `${path} is neither a data URI nor a valid URL`);
  }
  const problem = remoteUrlProblem(url);
  if (problem === "unsupported_scheme") {
    throw invalid(path, problem, `${path} must be a data:, http: or https: URL`);
  }
  if (problem) throw invalid(path, problem, `${path} must not carry credentials`);
  return url;
}

/**
 * Takes request images in, in two steps. `check` decodes data URIs, fetches http(s) URLs under
 * the address policy, checks magic bytes and the size the header declares, and hashes: cheap,
 * no pixel decoded, and enough for the verdict cache, whose keys use the hashes. `settle`
 * then resizes the images over the budget (`budgeted-image.ts`), a few at a time, and only
 * for work that needs the pixels. Owns an undici Agent; call `close`.
 */
export function createImageIntake(options: ImageIntakeOptions = {}) {
  const settings = optionsSchema.parse(options);
  const budget: ImageBudget = { ...DEFAULT_IMAGE_BUDGET, ...options.budget };
  const problem = budgetProblem(budget);
  if (problem) throw new TypeError(`invalid image budget: ${problem}`);
  const observer = options.observer ?? NO_IMAGE_OBSERVER;
  const slots = createResizeSlots(settings.resizeConcurrency);
  const fetcher = createImageFetcher({
    ...settings,
    policy: createAddressPolicy(settings.allow),
    resolveHost: options.resolveHost,
  });

  function budgetDataUri(raw: DataUri, path: string, inflight: Reservation): BudgetedImage {
    const reserve = (bytes: number) => inflight.grow(bytes);
    const decoded = decodeDataUri(raw, { maxBytes: settings.maxBytes, path, reserve });
    return withPixelsHeld(budgetImage(decoded.bytes, path, budget, observer, decoded), inflight);
  }

  async function checkOne(raw: DataUri, index: number, signal: AbortSignal, inflight: Reservation) {
    const path = `images.${index}.url`;
    // A remote image is checked once its bytes are in: the header is part of the body.
    if (isDataUri(raw)) return budgetDataUri(raw, path, inflight);
    const bytes = await fetcher.fetch(parseRemote(dataUriText(raw), path), path, signal);
    // Fetched bytes are counted once in (the fetch itself stops at `maxBytes`), with the
    // base64 the replicas get of them.
    inflight.grow(bytes.length + Math.ceil(bytes.length / 3) * 4);
    return withPixelsHeld(budgetImage(bytes, path, budget, observer), inflight);
  }

  /**
   * Decodes, checks and hashes data URIs one after the other, letting the event loop turn
   * between large ones (`loop-pacer.ts`): eight images of several megabytes each in one
   * synchronous run held `/healthz` and the replicas' health probes for hundreds of
   * milliseconds. Small images are checked in one run, as before. Stops at the first refusal,
   * or with `signal.reason` when it aborts during a turn.
   */
  async function checkDataUris(
    images: readonly ImageRef[],
    signal: AbortSignal | undefined,
    inflight: Reservation,
  ): Promise<BudgetedImage[]> {
    const pacer = loopPacer();
    const checked: BudgetedImage[] = [];
    for (let index = 0; index < images.length; index += 1) {
      const { url } = images[index]!;
      checked.push(budgetDataUri(url, `images.${index}.url`, inflight));
      // Between images only: after the last, the caller's own work follows at once.
      if (index < images.length - 1) {
        await pacer.worked(url.length);
        signal?.throwIfAborted();
      }
    }
    return checked;
  }

  /**
   * Checks every image, in request order (a request of data URIs alone one after another,
   * with event loop turns between large ones; fetches concurrently); nothing is resized yet. Each image's
   * decoded bytes are held against `inflight` (the request's reservation) before it is
   * decoded, so a request whose images do not fit the budget is refused with OVERLOADED. The first
   * failure rejects and aborts the other fetches. Rejects with AppError INVALID_REQUEST (bad
   * data URI or base64, bad URL, scheme other than data/http/https, credentials in the URL),
   * PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA (magic bytes, header), IMAGE_TOO_LARGE (declared
   * size over the ceiling) or IMAGE_FETCH_FAILED — each naming `images.<i>.url` in
   * `details` — or with `signal.reason` when `signal` aborts.
   */
  async function check(
    images: readonly ImageRef[],
    signal?: AbortSignal,
    inflight: Reservation = UNBUDGETED,
  ): Promise<BudgetedImage[]> {
    signal?.throwIfAborted();
    // Data URIs decode synchronously: no fetch to cancel, so no signals to link (linking
    // cost more than decoding a small image on the verdict path; loadtest/RESULTS.md).
    if (images.every((image) => isDataUri(image.url))) {
      return checkDataUris(images, signal, inflight);
    }
    // One failed image cancels its siblings' fetches.
    const siblings = linkSignals(signal);
    return Promise.all(
      images.map((image, index) =>
        checkOne(image.url, index, siblings.signal, inflight).catch((error: unknown) => {
          siblings.abort(error);
          throw error;
        }),
      ),
    ).finally(() => siblings.dispose());
  }

  /**
   * The checked images as the engine receives them: those over the budget resized (at most
   * `resizeConcurrency` at once across requests), the rest as they came. Rejects with
   * UNSUPPORTED_MEDIA (`undecodable_image`) or IMAGE_TOO_LARGE when pixels betray the header,
   * INTERNAL when the resizer itself fails, or `signal.reason` when `signal` aborts while a
   * resize waits for its slot.
   */
  async function settle(
    checked: readonly BudgetedImage[],
    signal?: AbortSignal,
  ): Promise<ResolvedImage[]> {
    return settleBudgeted(checked, { slots, signal });
  }

  return {
    check,
    settle,
    /** `check`, then `settle`: for callers that always need the pixels (no cache in front). */
    async resolve(images: readonly ImageRef[], signal?: AbortSignal): Promise<ResolvedImage[]> {
      return settle(await check(images, signal), signal);
    },
    /** Resizes running and waiting for a slot now, across requests. */
    resizes: () => ({ running: slots.running, waiting: slots.waiting }),
    /** Closes the fetch agent; in-flight fetches finish first. */
    close: (): Promise<void> => fetcher.close(),
  };
}

export type ImageIntake = ReturnType<typeof createImageIntake>;

/** The identity of each checked image, in order: what verdict cache keys hash. */
export const imageHashes = (checked: readonly BudgetedImage[]): string[] =>
  checked.map((image) => image.sha256);
