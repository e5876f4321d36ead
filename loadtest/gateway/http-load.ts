import autocannon from "autocannon";
import type { Tally } from "./load-figures.ts";

/** One autocannon run: where, how hard, for how long, and the body of the i-th request. */
export interface HttpLoad {
  url: string;
  path: string;
  connections: number;
  /** Stop after this long, unless `amount` is given. */
  durationSeconds?: number;
  /** Stop after this many requests. */
  amount?: number;
  /** The JSON body of the i-th request sent in this run (count from `firstIndex`). */
  body: (index: number) => string;
  firstIndex: number;
  /** Seconds without an answer before a request counts as failed (autocannon's default: 10). */
  timeoutSeconds?: number;
  /** Headers sent with every request besides `content-type: application/json`. */
  headers?: Record<string, string>;
  /** The error codes of items that failed inside a 2xx body (batch items, reward pairs). */
  itemErrors?: (body: string) => string[];
}

/**
 * Drives `load` with autocannon (closed loop, one request in flight per connection) and
 * times each answer itself: autocannon's histogram keeps whole milliseconds, too coarse for a
 * gateway's overhead of a fraction of one.
 */
export function runHttpLoad(load: HttpLoad, tally: Tally): Promise<void> {
  let index = load.firstIndex;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        connections: load.connections,
        ...(load.timeoutSeconds ? { timeout: load.timeoutSeconds } : {}),
        ...(load.amount ? { amount: load.amount } : { duration: load.durationSeconds ?? 5 }),
        requests: [
          {
            method: "POST",
            path: load.path,
            headers: { "content-type": "application/json", ...load.headers },
            setupRequest: (request) => ({ ...request, body: load.body(index++) }),
            ...(load.itemErrors ? { onResponse: onItems(load.itemErrors, tally) } : {}),
          },
        ],
      },
      (error) => {
        if (error) reject(error);
        else {
          tally.ran((performance.now() - started) / 1000);
          resolve();
        }
      },
    );
    // autocannon emits (client, status, bytes, ms); its type declarations leave out the client.
    (instance as NodeJS.EventEmitter).on(
      "response",
      (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) tally.success(ms);
        else tally.failure(String(status));
      },
    );
    instance.on("reqError", (error: { code?: string }) => tally.failure(error.code ?? "ERROR"));
  });
}

/** An autocannon onResponse that counts the failed items of each 2xx body. */
function onItems(itemErrors: (body: string) => string[], tally: Tally) {
  return (status: number, body: string) => {
    if (status < 200 || status >= 300) return;
    for (const code of itemErrors(body)) tally.itemFailure(code);
  };
}
