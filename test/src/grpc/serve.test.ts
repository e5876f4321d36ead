import { spawn } from "node:child_process";
import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import { credentials } from "@grpc/grpc-js";
import t from "tap";
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../src/grpc/gen/grpc/health/v1/health_pb.ts";
import { JudgeService, PairwiseRequestSchema } from "../../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { clientConstructor } from "../../../src/grpc/service-definition.ts";
import { unaryCall } from "../../helpers/grpc.ts";

const CLI = new URL("../../../bin/jurist.js", import.meta.url).pathname;
const BANNER = /gRPC \(jurist\.v1\.JudgeService, grpc\.health\.v1\.Health\) listens on (\S+)\.\n/;

t.test("jurist serve: gRPC beside HTTP on GRPC_PORT, drained on SIGTERM", async (t) => {
  const child = spawn(process.execPath, [CLI, "serve"], {
    env: {
      ...process.env,
      PORT: "0",
      GRPC_PORT: "0",
      JURIST_LOG_LEVEL: "warn",
      JURIST_DATA_DIR: t.testdir(),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const exited = once(child, "exit");
  let stdout = "";
  child.stdout.setEncoding("utf8");
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const match = BANNER.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`serve exited: ${stdout}`)));
  });
  t.match(address, /^127\.0\.0\.1:\d+$/, "the banner prints the gRPC address");

  const health = new (clientConstructor(Health))(address, credentials.createInsecure());
  const judge = new (clientConstructor(JudgeService))(address, credentials.createInsecure());
  t.teardown(() => {
    health.close();
    judge.close();
  });
  const ready = await unaryCall(health, health.check, create(HealthCheckRequestSchema, {}));
  t.equal(ready.status, ServingStatus.SERVING);
  const answer = await unaryCall(
    judge,
    judge.pairwise,
    create(PairwiseRequestSchema, {
      question: "How many cats are on the sofa?",
      responses: ["There are two cats on the sofa.", "There is one dog on the sofa."],
    }),
  );
  t.equal(answer.verdict?.simulated, true, "a (simulated) verdict over gRPC");

  child.kill("SIGTERM");
  const [code] = await exited;
  t.equal(code, 0, "exits cleanly on SIGTERM");
});
