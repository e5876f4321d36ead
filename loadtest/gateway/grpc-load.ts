import { create } from "@bufbuild/protobuf";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { JudgeService, PairwiseRequestSchema } from "../../src/grpc/gen/jurist/v1/judge_pb.ts";
import { clientConstructor } from "../../src/grpc/service-definition.ts";
import type { Tally } from "./load-figures.ts";
import { IMAGE, type PairwiseOptions, pairwiseRequest } from "./request-bodies.ts";

const JudgeClient = clientConstructor(JudgeService);
const MODES = { reasoned: 1, fast: 2 } as const;

export interface GrpcLoad {
  address: string;
  /** Calls kept in flight, all on one channel (one HTTP/2 connection), as clients use gRPC. */
  concurrency: number;
  durationSeconds: number;
  pairwise: PairwiseOptions;
  /** Index of the first request, so runs judge distinct inputs. */
  firstIndex: number;
}

/**
 * Unary `Pairwise` calls over grpc-js, closed loop, with the same inputs as the HTTP
 * scenarios (the image as bytes, gRPC's natural form, instead of a base64 data URI).
 */
export async function runGrpcLoad(load: GrpcLoad, tally: Tally): Promise<void> {
  const client = new JudgeClient(load.address, credentials.createInsecure());
  const metadata = new Metadata();
  let index = load.firstIndex;
  const call = () => {
    const { images: _dataUris, mode, ...fields } = pairwiseRequest(index++, load.pairwise);
    const message = create(PairwiseRequestSchema, {
      ...fields,
      mode: MODES[mode],
      images: [{ source: { case: "data", value: IMAGE } }],
    });
    const started = performance.now();
    return new Promise<void>((resolve) => {
      client.pairwise(message, metadata, (error: ServiceError | null) => {
        if (error) tally.failure(`gRPC ${error.code}`);
        else tally.success(performance.now() - started);
        resolve();
      });
    });
  };
  const started = performance.now();
  const stopAt = started + load.durationSeconds * 1000;
  const worker = async () => {
    while (performance.now() < stopAt) await call();
  };
  try {
    await Promise.all(Array.from({ length: load.concurrency }, worker));
    tally.ran((performance.now() - started) / 1000);
  } finally {
    client.close();
  }
}
