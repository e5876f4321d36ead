import { create } from "@bufbuild/protobuf";
import { Metadata, status } from "@grpc/grpc-js";
import t from "tap";
import { generateApiKey } from "../../../src/auth/api-key.ts";
import { PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { startSims } from "../../helpers/gateway.ts";
import { bearer, callError, startGrpcGateway, unaryCall } from "../../helpers/grpc.ts";

/**
 * With keys required, a gRPC call's key is checked before its message is read
 * (src/grpc/key-before-message.ts) and its scope by the handler (call-auth.ts callPrincipal):
 * one lookup serves both, so a call does not hash its key and ask the key store twice.
 */

t.test("a keyed gRPC call authenticates its key once", async (t) => {
  const sims = await startSims(t, 1);
  const g = await startGrpcGateway(t, { JURIST_BACKENDS: sims[0]!.url, JURIST_AUTH: "required" });
  const { plain, record } = generateApiKey("acme", "judge");
  await g.runtime.stores.keys.add(record);
  const { authenticator } = g.runtime.auth;
  const authenticate = authenticator.authenticate;
  let lookups = 0;
  authenticator.authenticate = (header) => {
    lookups += 1;
    return authenticate(header);
  };
  t.teardown(() => {
    authenticator.authenticate = authenticate;
  });
  const message = create(PairwiseRequestSchema, {
    question: "How many apples are in the bowl?",
    responses: ["Three red apples.", "Five green apples."],
  });

  const answer = await unaryCall(g.judge, g.judge.pairwise, message, { metadata: bearer(plain) });
  t.ok(answer.verdict, "judged");
  t.equal(lookups, 1, "one authentication for the interceptor and the handler together");

  const refused = await callError(
    unaryCall(g.judge, g.judge.pairwise, message, { metadata: new Metadata() }),
  );
  t.equal(refused.code, status.UNAUTHENTICATED, "a call without a key is still refused");
  t.equal(lookups, 2, "checked once, before its message");
});
