import type { EmbeddedParts } from "./runtime/embedded-parts.ts";

/**
 * The embedded default (`npm start` with no JURIST_BACKENDS): simulated replicas and the
 * trainer in the gateway's process. Each part is imported on first use, so a process that
 * never needs the simulator or the trainer never loads them (test/scenarios/loading checks).
 */
export const embeddedDefault: Required<EmbeddedParts> = {
  simulation: {
    async startReplicas(settings, logger) {
      const { startEmbeddedSims } = await import("../sim/embedded-sims.ts");
      return startEmbeddedSims(settings, logger);
    },
    async writeBenchmarks(dir, options) {
      const { writeSimBench } = await import("../sim/sim-bench.ts");
      return writeSimBench(dir, options);
    },
    async world() {
      const world = await import("../sim/experiment-world.ts");
      const { GENERATOR_NOISE } = await import("../sim/world/world-params.ts");
      return {
        noiseLevels: Object.keys(GENERATOR_NOISE),
        parameters: (noise) => {
          if (!world.isGeneratorNoise(noise)) throw new Error(`unknown generator noise ${noise}`);
          return world.worldParameters(noise);
        },
        startReplicas: (options) => {
          const { noise } = options;
          if (!world.isGeneratorNoise(noise)) throw new Error(`unknown generator noise ${noise}`);
          return world.startWorldReplicas({ ...options, noise });
        },
        writePrompts: world.writeWorldPrompts,
        writeBaseProfile: world.writeBaseProfile,
        goldAnswer: world.worldGoldAnswer,
        labelTruth: world.worldLabelTruth,
      };
    },
  },
  startTrainer(input) {
    const started = import("../trainer/worker/embedded-trainer.ts").then((module) =>
      module.startEmbeddedTrainer(input),
    );
    started.catch((error: unknown) =>
      input.logger.error({ err: error }, "embedded trainer could not be loaded"),
    );
    return {
      async stop() {
        await (await started.catch(() => null))?.stop();
      },
    };
  },
};
