import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import t from "tap";
import { parse } from "yaml";
import {
  allowedVariables,
  containerConfig,
  dockerfileInstructions,
  isCommand,
  read,
} from "./app-contract.ts";
import { ROOT, readmeTemplates } from "./fine-tune-fixtures.ts";
import {
  DEFAULT_JUDGE,
  hasStructuredOutputs,
  mmLimits,
  trlDefaultLoraRank,
  VLLM_LORA_RANKS,
} from "./vllm-serving.ts";

/**
 * deploy/compose checked offline: every ${VARIABLE} is in .env.example, every image is pinned
 * or built from the repository's Dockerfile, every mounted file exists, the Jurist services'
 * settings are ones the config schema knows and parse, and Prometheus and Grafana are wired
 * to the services, the alert rules and the dashboard. `docker compose config` runs too where
 * Docker Compose is installed.
 */

const DIR = "deploy/compose";
const FILE = `${DIR}/compose.yaml`;

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: unknown;
  restart?: string;
  deploy?: {
    resources: { reservations: { devices: { driver: string; capabilities: string[] }[] } };
  };
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** KEY=VALUE lines of .env.example (comments and blank lines skipped). */
function envExample(): Map<string, string> {
  const lines = read(`${DIR}/.env.example`).split("\n");
  const pairs = lines.filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l)).map((l) => l.split(/=(.*)/s));
  return new Map(pairs.map(([key, value]) => [key!, value ?? ""]));
}

/** Compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} and ${NAME?error}. */
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

function interpolate(value: unknown, vars: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(VARIABLE, (_, name: string, op?: string, arg?: string) => {
      const set = vars.get(name);
      const usable = op?.startsWith(":") ? set !== undefined && set !== "" : set !== undefined;
      if (usable) return set!;
      if (op?.endsWith("?")) throw new Error(`${name}: ${arg}`);
      return arg ?? "";
    });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, vars));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, vars)]),
    );
  }
  return value;
}

const raw = read(FILE);
const example = envExample();
// As an operator's .env would: .env.example with the required password filled in.
const vars = new Map([...example, ["GRAFANA_ADMIN_PASSWORD", "test-password"]]);
const compose = interpolate(parse(raw, { merge: true }), vars) as Compose;
const services = compose.services;

/** A bind mount's source, resolved in the repository, and its target in the container. */
function binds(service: Service): { source: string; target: string }[] {
  return (service.volumes ?? [])
    .map((volume) => volume.split(":"))
    .filter(([source]) => source!.startsWith(".") || source!.startsWith("/"))
    .map(([source, target]) => ({
      source: relative(ROOT, join(ROOT, DIR, source!)),
      target: target!,
    }));
}

/** The named volume mounted at `target`, if one is. */
function namedVolumeAt(service: Service, target: string): string | undefined {
  const entry = (service.volumes ?? []).map((v) => v.split(":")).find(([, at]) => at === target);
  return entry && !/^[./]/.test(entry[0]!) ? entry[0] : undefined;
}

/** Services whose image is built from the repository's Dockerfile, with its target. */
function builtFromRepo(): { name: string; service: Service; target: string }[] {
  const built = new Map(
    Object.values(services)
      .filter((s) => s.build)
      .map((s) => [s.image, s.build!.target ?? "runtime"]),
  );
  return Object.entries(services)
    .filter(([, s]) => built.has(s.image))
    .map(([name, service]) => ({ name, service, target: built.get(service.image)! }));
}

/** Data source uids a dashboard names outright: not template variables, not Grafana's own. */
function dataSourceUids(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(dataSourceUids);
  if (!node || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const uid = (value as { uid?: unknown } | null)?.uid;
    const named =
      key === "datasource" && typeof uid === "string" && !uid.startsWith("$") && uid !== "grafana";
    return [...(named ? [uid] : []), ...dataSourceUids(value)];
  });
}

/** The Jurist processes: services of the repository's image that run a Jurist command. */
const jurist = builtFromRepo().filter(({ service }) => isCommand(service.command?.[0]));

t.test("every variable compose.yaml uses is in .env.example, and only those", async (t) => {
  const used = new Set([...raw.matchAll(VARIABLE)].map((m) => m[1]!));
  t.strictSame(
    [...used].filter((name) => !example.has(name)),
    [],
    "used but not listed",
  );
  t.strictSame(
    [...example.keys()].filter((name) => !used.has(name)),
    [],
    "listed but not used",
  );
  t.notMatch(raw, /\$(?![{$])/, "no bare $NAME: every variable in braces");
  t.throws(
    () => interpolate(parse(raw, { merge: true }), example),
    /GRAFANA_ADMIN_PASSWORD/,
    "Grafana refuses to start without a password",
  );
});

t.test("images: pinned public images, or built from the repository", async (t) => {
  const stages = new Set(dockerfileInstructions().map((i) => i.stage));
  for (const [name, service] of Object.entries(services)) {
    t.ok(service.image, `${name} names its image`);
    if (service.build) {
      t.equal(relative(ROOT, join(ROOT, DIR, service.build.context)), "", `${name}: the repo`);
      t.ok(existsSync(join(ROOT, "Dockerfile")), "the repository's Dockerfile");
      t.ok(stages.has(service.build.target ?? ""), `${name}: stage ${service.build.target}`);
      continue;
    }
    if (builtFromRepo().some((b) => b.name === name)) continue;
    t.match(
      service.image,
      /^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*:v?\d+(\.\d+)+(-[a-z0-9.]+)?$/,
      `${name}: ${service.image} is a repository with a version tag`,
    );
  }
});

t.test("every mounted file exists and every named volume is declared", async (t) => {
  for (const [name, service] of Object.entries(services)) {
    for (const { source, target } of binds(service)) {
      t.ok(existsSync(join(ROOT, source)), `${name}: ${source} exists`);
      if (existsSync(join(ROOT, source)) && /\.(ya?ml|json)$/.test(target)) {
        t.ok(statSync(join(ROOT, source)).isFile(), `${name}: ${source} is a file`);
      }
    }
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(":");
      if (!/^[./]/.test(source!)) t.ok(source! in compose.volumes, `volume ${source} declared`);
    }
  }
});

t.test("services start in an order that can work", async (t) => {
  for (const [name, service] of Object.entries(services)) {
    const deps = service.depends_on ?? {};
    for (const [dep, spec] of Array.isArray(deps)
      ? deps.map((d) => [d, {}])
      : Object.entries(deps)) {
      const target = services[dep as string];
      t.ok(target, `${name} depends on ${dep}, a service`);
      const condition = (spec as { condition?: string }).condition;
      if (condition === "service_healthy") t.ok(target?.healthcheck, `${dep} has a healthcheck`);
      if (condition === "service_completed_successfully") {
        t.notOk(target?.restart, `${dep} runs once`);
      }
    }
  }
});

t.test("the Jurist services: known settings that parse, the right ports and volume", async (t) => {
  t.strictSame(jurist.map((j) => j.name).sort(), ["gateway", "trainer"]);
  for (const { name, service, target } of jurist) {
    const env = service.environment ?? {};
    const allowed = allowedVariables(env.JURIST_FINE_TUNE_COMMAND);
    const unknown = Object.keys(env).filter((key) => !allowed.has(key));
    t.strictSame(unknown, [], `${name}: every variable is one Jurist knows`);
    const config = containerConfig(env, target);
    t.ok(config.engine.backends?.length, `${name}: real replicas`);
    t.equal(
      namedVolumeAt(service, config.dataDir),
      "jurist-data",
      `${name}: data at ${config.dataDir}`,
    );
    if (service.command?.[0] === "serve") {
      const published = (service.ports ?? []).map((p) => Number(p.split(":").pop()));
      t.strictSame(published, [config.port, config.grpcPort], `${name}: HTTP and gRPC ports`);
    }
  }
  const trainer = services.trainer!;
  t.equal(trainer.command?.[0], "trainer", "the trainer worker");
  t.equal(
    trainer.environment?.JURIST_FINE_TUNE_COMMAND,
    readmeTemplates().trl,
    "the trainer fine-tunes with deploy/fine-tune's TRL template",
  );
  t.equal(trainer.build?.target, "trainer-trl", "in an image with Python and TRL");
  t.ok(
    trainer.deploy?.resources.reservations.devices.some((d) => d.driver === "nvidia"),
    "a GPU",
  );
});

t.test("vLLM: LoRA at run time, a GPU, and the adapters at the trainer's path", async (t) => {
  const vllm = services.vllm!;
  const args = vllm.command ?? [];
  t.ok(args.includes("--enable-lora") && args.includes("--max-lora-rank"), "LoRA enabled");
  t.ok(args[args.indexOf("--model") + 1], "a model id");
  t.equal(vllm.environment?.VLLM_ALLOW_RUNTIME_LORA_UPDATING, "True", "runtime LoRA updating");
  t.ok(vllm.deploy?.resources.reservations.devices.some((d) => d.capabilities.includes("gpu")));
  const dataDir = containerConfig(services.gateway!.environment ?? {}).dataDir;
  const mount = (vllm.volumes ?? []).find((v) => v.split(":")[1] === dataDir);
  t.equal(
    mount?.split(":")[0],
    "jurist-data",
    `the data volume at ${dataDir}: adapters load by path`,
  );
  const backends = containerConfig(services.gateway!.environment ?? {}).engine.backends ?? [];
  const port = Number(args[args.indexOf("--port") + 1]);
  t.match(backends[0], { hostname: "vllm", port }, "the gateway's JURIST_BACKENDS names it");
  t.match(services.redis?.command?.join(" "), /--appendonly yes/, "Redis with AOF persistence");
});

t.test(
  "vLLM's command: a model it serves with LoRA, flags it takes, at .env.example and the defaults",
  async (t) => {
    const withDefaults = interpolate(
      parse(raw, { merge: true }),
      new Map([["GRAFANA_ADMIN_PASSWORD", "test-password"]]),
    ) as Compose;
    for (const [label, vllm] of [
      [".env.example", services.vllm!],
      ["compose.yaml's defaults", withDefaults.services.vllm!],
    ] as const) {
      const args = vllm.command ?? [];
      const value = (flag: string) => args[args.indexOf(flag) + 1];
      t.equal(value("--model"), DEFAULT_JUDGE, `${label}: the default judge`);
      const tag = vllm.image?.split(":")[1] ?? "";
      t.ok(hasStructuredOutputs(tag), `${label}: ${tag} has structured_outputs (0.11.0 or later)`);
      const rank = Number(value("--max-lora-rank"));
      t.ok(VLLM_LORA_RANKS.includes(rank), `${label}: --max-lora-rank ${rank} is one vLLM takes`);
      t.ok(rank >= trlDefaultLoraRank(), `${label}: and holds the TRL template's adapters`);
      t.ok(Number(value("--max-loras")) >= 1, `${label}: --max-loras`);
      t.ok(mmLimits(value("--limit-mm-per-prompt"))?.image, `${label}: images allowed, as JSON`);
    }
  },
);

t.test(
  "Prometheus: deploy/prometheus's config, scraping the services, with the rules",
  async (t) => {
    const mount = binds(services.prometheus!).find((b) => b.target === "/etc/prometheus");
    t.equal(mount?.source, "deploy/prometheus", "the config and the rules, mounted together");
    const config = parse(read("deploy/prometheus/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    t.ok(config.rule_files.includes("alerts.yml"), "loads alerts.yml (relative to its own file)");
    t.ok(existsSync(join(ROOT, "deploy/prometheus/alerts.yml")), "which is beside it");
    const gateway = containerConfig(services.gateway!.environment ?? {});
    const vllmArgs = services.vllm!.command ?? [];
    const ports: Record<string, number> = {
      gateway: gateway.port,
      trainer: gateway.trainer.metricsPort,
      vllm: Number(vllmArgs[vllmArgs.indexOf("--port") + 1]),
    };
    const targets = config.scrape_configs.flatMap((s) =>
      s.static_configs.flatMap((c) => c.targets),
    );
    for (const target of targets) {
      const [host, port] = target.split(":");
      t.ok(services[host!], `${target}: a compose service`);
      t.equal(Number(port), ports[host!], `${target}: the port it serves /metrics on`);
    }
    t.ok(
      Object.keys(ports).every((s) => targets.some((x) => x.startsWith(`${s}:`))),
      "gateway, trainer and vLLM are all scraped",
    );
  },
);

t.test("Grafana: deploy/grafana's provisioning and dashboard", async (t) => {
  const grafana = binds(services.grafana!);
  const provisioning = grafana.find((b) => b.target === "/etc/grafana/provisioning");
  t.equal(provisioning?.source, "deploy/grafana/provisioning", "data source and provider");
  const dashboard = grafana.find((b) => b.source === "deploy/grafana/jurist.json");
  t.ok(dashboard, "the dashboard is mounted");
  const sources = parse(read("deploy/grafana/provisioning/datasources/prometheus.yml")) as {
    datasources: { uid: string; url: string }[];
  };
  t.equal(sources.datasources[0]?.url, "http://prometheus:9090", "the compose Prometheus");
  t.ok(services.prometheus, "which is a service");
  const providers = parse(read("deploy/grafana/provisioning/dashboards/jurist.yml")) as {
    providers: { options: { path: string } }[];
  };
  t.equal(
    providers.providers[0]?.options.path,
    posix.dirname(dashboard?.target ?? ""),
    "the provider loads the directory the dashboard is mounted in",
  );
  const provisioned = new Set(sources.datasources.map((d) => d.uid));
  const unknown = dataSourceUids(JSON.parse(read("deploy/grafana/jurist.json"))).filter(
    (uid) => !provisioned.has(uid),
  );
  t.strictSame(unknown, [], "panels use the provisioned data source or a template variable");
});

const composeCli = spawnSync("docker", ["compose", "version"], { encoding: "utf8" });
t.test(
  "docker compose config accepts it",
  composeCli.status === 0
    ? {}
    : {
        skip: "SKIPPED: Docker Compose is not installed here (the docker CLI has no compose plugin)",
      },
  async (t) => {
    const result = spawnSync("docker", ["compose", "-f", FILE, "config", "-q"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, GRAFANA_ADMIN_PASSWORD: "test-password" },
    });
    t.equal(result.status, 0, result.stderr);
  },
);
