import type { Dispatcher } from "undici";

/** An engine's answer, read whole. */
export interface TextResponse {
  statusCode: number;
  /** The body decoded as UTF-8, a leading byte-order mark dropped (as undici's `text()`). */
  text: string;
}

/** What one request needs: undici's dispatch options and the signal that aborts it. */
export type TextRequestOptions = Dispatcher.DispatchOptions & { signal?: AbortSignal | undefined };

/**
 * One request through `dispatcher.dispatch`, its body collected as text: what
 * `dispatcher.request(options)` then `response.body.text()` answer, without what `request()`
 * builds per call for a body read whole anyway (an async resource, the response headers parsed
 * into an object, a Readable stream and its consumer, two more promises). On tiny verdicts
 * that was a third of undici's CPU per engine call (loadtest/RESULTS.md).
 *
 * Rejects with undici's own error object (the one its diagnostics channels publish, so
 * `socket-reuse.ts` still recognises the keep-alive race), or with the signal's reason once it
 * aborts, as `request()` does: a request still waiting for a connection is aborted when it
 * gets one.
 */
export function requestText(
  dispatcher: Dispatcher,
  options: TextRequestOptions,
): Promise<TextResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(options, new TextCollector(options.signal, resolve, reject));
  });
}

/** undici's handler interface (the one its client calls without an adapter). */
class TextCollector implements Dispatcher.DispatchHandler {
  private statusCode = 0;
  private readonly chunks: Buffer[] = [];
  private byteLength = 0;
  private abortRequest: ((reason: Error) => void) | null = null;
  private readonly onAbort: (() => void) | null = null;

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (response: TextResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    if (signal && !signal.aborted) {
      this.onAbort = () => this.abortRequest?.(signal.reason);
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.signal?.aborted) abort(this.signal.reason);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number): boolean {
    // 1xx informational answers come before the real one.
    if (statusCode >= 200) this.statusCode = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.byteLength += chunk.length;
    return true;
  }

  onComplete(): void {
    this.release();
    this.resolve({ statusCode: this.statusCode, text: decodeUtf8(this.chunks, this.byteLength) });
  }

  onError(error: Error): void {
    this.release();
    this.reject(error);
  }

  private release(): void {
    if (this.onAbort) this.signal?.removeEventListener("abort", this.onAbort);
  }
}

function decodeUtf8(chunks: Buffer[], byteLength: number): string {
  if (byteLength === 0) return "";
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, byteLength);
  const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return buffer.toString("utf8", bom ? 3 : 0);
}
