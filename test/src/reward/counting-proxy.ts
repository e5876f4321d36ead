import type { Teardown } from "../../helpers/gateway.ts";
import {
  isChatCompletion,
  type ProxiedRequest,
  startRecordingProxy,
} from "../../helpers/recording-proxy.ts";

/** A loopback proxy in front of one replica that counts its chat completions exactly. */
export interface CountingProxy {
  url: string;
  /** Chat completions received so far. */
  completions(): number;
  /** Chat completions in flight now, and the most ever at once. */
  inFlight(): number;
  peak(): number;
}

/**
 * Completions are counted from arrival until their response ends or the gateway drops the
 * connection (test/helpers/recording-proxy.ts forwards, and cancels upstream on a drop).
 */
export async function startCountingProxy(t: Teardown, target: string): Promise<CountingProxy> {
  const chats = (requests: readonly ProxiedRequest[]) => requests.filter(isChatCompletion);
  const openChats = (requests: readonly ProxiedRequest[]) =>
    chats(requests).filter((r) => r.open).length;
  let peak = 0;
  const proxy = await startRecordingProxy(t, target, {
    onChange: (requests) => {
      peak = Math.max(peak, openChats(requests));
    },
  });
  return {
    url: proxy.url,
    completions: () => chats(proxy.requests).length,
    inFlight: () => openChats(proxy.requests),
    peak: () => peak,
  };
}
