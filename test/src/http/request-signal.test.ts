import { EventEmitter } from "node:events";
import type { FastifyReply } from "fastify";
import t from "tap";
import { requestSignal } from "../../../src/http/request-signal.ts";

/**
 * The signal a route hands the core aborts when the client goes away, also when it went away
 * before the route asked for the signal: a response that closed already fires no "close" again
 * (a client that reset while its parse waited its turn, or during a rate-limit count), and a
 * signal waiting for one would let the request judge for nobody until its deadline.
 */

function replyWith(raw: { destroyed: boolean; closed: boolean; writableFinished: boolean }) {
  return { raw: Object.assign(new EventEmitter(), raw) } as unknown as FastifyReply & {
    raw: EventEmitter;
  };
}

t.test("a response closed before the signal was asked for aborts it at once", async (t) => {
  const reply = replyWith({ destroyed: true, closed: true, writableFinished: false });
  const signal = requestSignal(reply, 60_000);
  t.ok(signal.aborted, "aborted without waiting for a close that already fired");
  t.match(String((signal.reason as Error).message), /client closed/);
});

t.test("an open response aborts the signal when the client goes, not before", async (t) => {
  const raw = { destroyed: false, closed: false, writableFinished: false };
  const reply = replyWith(raw);
  const signal = requestSignal(reply, 60_000);
  t.notOk(signal.aborted, "open: still running");
  reply.raw.emit("close");
  t.ok(signal.aborted, "the client left: aborted");
});

t.test("a response sent in full does not abort the signal as it closes", async (t) => {
  const raw = { destroyed: false, closed: false, writableFinished: false };
  const reply = replyWith(raw);
  const signal = requestSignal(reply, 60_000);
  raw.writableFinished = true;
  Object.assign(reply.raw, { writableFinished: true });
  reply.raw.emit("close");
  t.notOk(signal.aborted, "answered: nothing to abort");
});
