import type { EmbeddedTrainer, EmbeddedTrainerInput } from "../../src/runtime/embedded-parts.ts";
import { blobDir } from "../../src/store/create-stores.ts";
import { blobFilePath } from "../../src/store/file-blob-store.ts";
import { resolveGateBenchmarks } from "../gates/gate-benchmarks.ts";
import { loadContaminationIndex } from "../pipeline/contamination-sources.ts";
import { sharedSignal, trainerStateFor } from "../pipeline/open-trainer-env.ts";
import { createCandidateReview } from "./candidate-review.ts";
import { intakeBlobsFor } from "./intake-blobs.ts";
import { createTrainerWorker } from "./trainer-worker.ts";

/**
 * The trainer worker inside the gateway, for the embedded default (simulated replicas, no
 * Redis): the same worker as `jurist trainer`, on the gateway's fleet, stores and metrics.
 * It never blocks serving: it starts in the background and a failure to start is logged.
 */
export function startEmbeddedTrainer(input: EmbeddedTrainerInput): EmbeddedTrainer {
  const stop = new AbortController();
  const signal = sharedSignal(stop.signal);
  const logger = input.logger.child({ component: "trainer" });
  const running = (async () => {
    const benchmarks = await resolveGateBenchmarks(
      input.config,
      input.simulated,
      logger,
      input.simulation,
    );
    const env = {
      config: input.config,
      logger,
      fleet: input.fleet,
      simulated: input.simulated,
      registry: input.stores.registry,
      state: trainerStateFor(input.config, input.stores),
      contamination: await loadContaminationIndex(benchmarks, logger),
      benchmarks,
      metrics: input.metrics.trainer,
    };
    const review = createCandidateReview({
      env,
      shadow: input.stores.shadow,
      adopt: input.adopt,
      signal,
    });
    const worker = createTrainerWorker({
      env,
      promptLog: input.stores.promptLog,
      blobPath: (sha256) => blobFilePath(blobDir(input.config), sha256),
      blobs: intakeBlobsFor(input.config, input.stores.blobs, logger),
      signal,
      onIteration: review.afterIteration,
    });
    logger.info(
      { threshold: input.config.trainer.minNewPrompts },
      "embedded trainer waiting for collected prompts",
    );
    await worker.run().finally(() => review.close());
  })().catch((error: unknown) => logger.error({ err: error }, "embedded trainer stopped"));
  return {
    /** Stops after the records in flight are written; resolves when the worker has stopped. */
    async stop(): Promise<void> {
      stop.abort(new Error("gateway shutting down"));
      await running;
    },
  };
}
