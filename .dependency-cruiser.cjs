// The floor plan's import rules (docs/architecture.md draws them). `npm run lint` runs them;
// test/contracts/architecture checks that a planted violation of each fails.
//
// Rooms:  src/ the gateway, sim/ the simulated vLLM, trainer/ the offline loop.
//         src/core/ is pure and shared by all three; src/cli.ts and src/embedded-default.ts
//         compose the processes and are the only gateway code that may reach sim/ or
//         trainer/, and only lazily.
const GATEWAY_BUT_CLI = "^src/(?!(cli|embedded-default)\\.ts$)";
const TRANSPORTS = "^src/(http|grpc)/";
const FEATURES =
  "^src/(core|judge|reward|engine|images|collection|registry|store|auth|config|doctor)/";

// The layers of docs/architecture.md's drawing, top to bottom: a room imports only rooms on
// lower lines, never one above it or beside it on its own line. One rule per room below.
const GATEWAY_LAYERS = [
  ["src/cli.ts"],
  ["src/server.ts", "src/embedded-default.ts"],
  ["src/http/", "src/grpc/"],
  ["src/runtime/"],
  ["src/metrics/"],
  ["src/collection/", "src/reward/", "src/registry/", "src/auth/", "src/doctor/"],
  ["src/judge/"],
  ["src/images/", "src/store/"],
  ["src/config/"],
  ["src/engine/"],
  ["src/core/"],
];
const TRAINER_LAYERS = [
  ["trainer/experiment/", "trainer/worker/"],
  ["trainer/pipeline/"],
  ["trainer/gates/"],
  ["trainer/eval/"],
  ["trainer/state/"],
  ["trainer/stages/"],
  ["trainer/io/"],
  ["trainer/core/"],
];
/** The trainer uses the gateway from its composition root down, never its entry points. */
const GATEWAY_ABOVE_RUNTIME = GATEWAY_LAYERS.slice(0, 3).flat();

const pattern = (room) => `^${room.replaceAll(".", "\\.")}${room.endsWith("/") ? "" : "$"}`;
const anyOf = (rooms) => `(${rooms.map(pattern).join("|")})`;

function layerRules(layers, extra = () => []) {
  return layers.flatMap((line, index) =>
    line.flatMap((room) => {
      const above = [
        ...layers
          .slice(0, index + 1)
          .flat()
          .filter((other) => other !== room),
        ...extra(room),
      ];
      if (above.length === 0) return [];
      return {
        name: `layer: ${room}`,
        comment: "A room imports only rooms on lower lines of docs/architecture.md's drawing.",
        severity: "error",
        from: { path: pattern(room) },
        to: { path: anyOf(above) },
      };
    }),
  );
}

module.exports = {
  forbidden: [
    ...layerRules(GATEWAY_LAYERS),
    ...layerRules(TRAINER_LAYERS, () => GATEWAY_ABOVE_RUNTIME),
    {
      name: "trainer-core-imports-only-the-pure-core",
      comment: "The loop's pure logic uses the gateway's pure core and nothing else of src/.",
      severity: "error",
      from: { path: "^trainer/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "gateway-not-to-trainer",
      comment: "The gateway never loads the offline trainer, evaluation or gates.",
      severity: "error",
      from: { path: GATEWAY_BUT_CLI },
      to: { path: "^trainer/" },
    },
    {
      name: "gateway-not-to-sim",
      comment: "The gateway never loads the simulator: the CLI lends it as embedded parts.",
      severity: "error",
      from: { path: GATEWAY_BUT_CLI },
      to: { path: "^sim/" },
    },
    {
      name: "cli-loads-sim-and-trainer-lazily",
      comment:
        "src/cli may name sim/ and trainer/ only in await import(), so that a process loads them only when it runs them.",
      severity: "error",
      from: { path: "^src/(cli|embedded-default)\\.ts$" },
      to: { path: "^(sim|trainer)/", dynamic: false },
    },
    {
      name: "sim-imports-only-the-pure-core",
      comment: "The simulator stands in for vLLM: it knows the prompt and verdict formats only.",
      severity: "error",
      from: { path: "^sim/" },
      to: { path: "^(src|trainer)/", pathNot: "^src/core/" },
    },
    {
      name: "trainer-not-to-sim",
      comment:
        "The trainer gets simulated replicas and benchmarks lent by the CLI, never imported.",
      severity: "error",
      from: { path: "^trainer/" },
      to: { path: "^sim/" },
    },
    {
      name: "core-is-pure",
      comment: "src/core does no I/O and knows no other room: everything may import it.",
      severity: "error",
      from: { path: "^src/core/" },
      // Hashing is computation, not I/O.
      to: { pathNot: "^(src/core/|crypto$)" },
    },
    {
      name: "transports-do-not-import-each-other",
      comment: "HTTP and gRPC each own their wire format; what both read lives below them.",
      severity: "error",
      from: { path: TRANSPORTS },
      to: { path: TRANSPORTS, pathNot: "^src/$1/" },
    },
    {
      name: "features-not-to-transports-or-composition",
      comment:
        "Features are composed by src/runtime and served by the transports, not the reverse.",
      severity: "error",
      from: { path: FEATURES },
      to: { path: "^src/(http/|grpc/|runtime/|[^/]+\\.ts$)" },
    },
    {
      name: "features-not-to-metrics",
      comment:
        "Each feature declares a small observer interface; src/metrics implements it. Features never import metrics/.",
      severity: "error",
      from: { path: FEATURES },
      to: { path: "^src/metrics/" },
    },
    {
      name: "no-module-cycles",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-cycles",
      comment: "Counting folders as nodes, imports run one way.",
      severity: "error",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    parser: "swc",
    tsPreCompilationDeps: true,
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|gen)/" },
    moduleSystems: ["es6"],
  },
};
