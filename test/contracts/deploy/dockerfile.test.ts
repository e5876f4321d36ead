import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { Registry } from "prom-client";
import t from "tap";
import { startMetricsServer } from "../../../trainer/worker/metrics-server.ts";
import { buildGateway } from "../../helpers/gateway.ts";
import {
  containerConfig,
  dockerfileInstructions,
  type Instruction,
  imageEnv,
  read,
  stageChain,
} from "./app-contract.ts";
import { ROOT, readmeTemplates } from "./fine-tune-fixtures.ts";

/**
 * The Dockerfile, linted against the app: a non-root user, a health check that works against
 * a real gateway and trainer, ports and settings the config agrees with, a lockfile install
 * of runtime dependencies only, and a build context that holds every file `jurist` imports.
 * `docker build` runs too where a Docker daemon answers.
 */

const instructions = dockerfileInstructions();
const stages = [...new Set(instructions.map((i) => i.stage))];

/** The instructions `target` is built from, its base stages' first. */
function chain(target: string): Instruction[] {
  const names = stageChain(instructions, target).reverse();
  return names.flatMap((name) => instructions.filter((i) => i.stage === name));
}
const last = (list: Instruction[], keyword: string) =>
  list.filter((i) => i.keyword === keyword).pop()?.args;

t.test("the default target is the gateway image, built on the app stage", async (t) => {
  t.equal(stages.at(-1), "runtime", "the last stage is what `docker build .` makes");
  t.strictSame(stageChain(instructions, "runtime"), ["runtime", "app", "base"], "gateway");
  t.strictSame(stageChain(instructions, "trainer-trl"), ["trainer-trl", "app", "base"], "+ TRL");
  t.match(last(chain("runtime"), "FROM"), /^app AS runtime$/, "adds nothing to app");
});

t.test("it runs as a non-root user", async (t) => {
  for (const target of ["runtime", "trainer-trl"]) {
    const user = last(chain(target), "USER");
    t.match(user, /^[1-9]\d*(:[1-9]\d*)?$/, `${target}: a numeric non-root uid (${user})`);
  }
});

t.test("entrypoint, command, ports, volume and settings agree with the app", async (t) => {
  const runtime = chain("runtime");
  t.equal(last(runtime, "ENTRYPOINT"), '["node", "bin/jurist.js"]', "the CLI, exec form");
  t.equal(last(runtime, "CMD"), '["serve"]', "the gateway by default");
  const env = imageEnv("runtime");
  t.match(env, { HOST: "0.0.0.0", JURIST_DATA_DIR: "/data" }, "the image's settings");
  const config = containerConfig({});
  t.equal(config.host, "0.0.0.0", "listens beyond loopback");
  t.equal(last(runtime, "VOLUME"), `["${config.dataDir}"]`, "JURIST_DATA_DIR is the volume");
  const exposed = (last(runtime, "EXPOSE") ?? "").split(/\s+/).map(Number);
  t.strictSame(exposed, [config.port, config.grpcPort, config.trainer.metricsPort], "ports");
  t.equal(last(chain("trainer-trl"), "CMD"), '["trainer"]', "trainer-trl runs the trainer");
});

t.test("dependencies: npm ci from the lockfile, runtime only, no install scripts", async (t) => {
  const runs = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
  t.notOk(
    runs.some((r) => /\bnpm\s+(install|i|add)\b/.test(r)),
    "no npm install: it ignores the lockfile",
  );
  const ci = instructions.find((i) => i.keyword === "RUN" && /\bnpm ci\b/.test(i.args));
  t.match(ci?.args, /--omit=dev/, "runtime dependencies only");
  t.match(ci?.args, /--ignore-scripts/, "no install scripts");
  const copied = instructions.filter((i) => i.stage === ci?.stage && i.keyword === "COPY");
  t.ok(
    copied.some((i) => i.args.includes("package-lock.json")),
    "the lockfile is in the stage",
  );
  const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
  t.ok(pkg.dependencies.tsx, "tsx is a runtime dependency: bin/jurist.js registers it");
});

/** Whether .dockerignore keeps `path` out of the build context (the last matching rule wins). */
function ignored(path: string): boolean {
  const rules = read(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const prefixes = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let excluded = false;
  for (const rule of rules) {
    const negated = rule.startsWith("!");
    const pattern = rule.replace(/^!/, "").replace(/\/$/, "");
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^$()|[\]\\]/g, "\\$&")
        .replace(/\*\*\//g, "(.*/)?")
        .replace(/\*/g, "[^/]*")}$`,
    );
    if (prefixes.some((prefix) => regex.test(prefix))) excluded = !negated;
  }
  return excluded;
}

/** Every repository file `node bin/jurist.js` can load, and every package it imports. */
function importGraph(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(join(ROOT, file), "utf8");
    const specifiers = text.matchAll(
      /^\s*(?:import|export)(?!\s+type\s)[^;]*?\bfrom\s*"([^"]+)"|^\s*import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm,
    );
    for (const match of specifiers) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (specifier.startsWith("node:")) continue;
      if (!specifier.startsWith(".")) {
        const parts = specifier.split("/");
        packages.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!);
        continue;
      }
      visit(relative(ROOT, resolve(ROOT, dirname(file), specifier)));
    }
  };
  visit("bin/jurist.js");
  return { files, packages };
}

t.test("the build context holds everything `jurist` loads, and only what it needs", async (t) => {
  const sources = instructions
    .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  for (const source of sources) {
    t.ok(existsSync(join(ROOT, source)), `${source} exists`);
    t.notOk(ignored(source), `${source} is in the build context`);
  }
  const copied = (file: string) =>
    sources.some((s) => file === s || file.startsWith(`${s.replace(/\/$/, "")}/`));
  const { files, packages } = importGraph();
  t.ok(files.size > 50, `${files.size} files reached from bin/jurist.js`);
  const missing = [...files].filter((file) => !copied(file) || ignored(file));
  t.strictSame(missing, [], "every one of them is copied into the image");
  const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
  const devOnly = [...packages].filter((name) => !(name in pkg.dependencies));
  t.strictSame(devOnly, [], "every package they import is a runtime dependency");
  for (const template of [readmeTemplates().trl, readmeTemplates().k8s]) {
    const script = template.split(" ")[0]!;
    t.ok(copied(script) && !ignored(script), `${script} (a fine-tune template) is in the image`);
    t.ok(statSync(join(ROOT, script)).mode & 0o111, `${script} is executable (COPY keeps modes)`);
  }
  for (const kept of [
    "node_modules/tsx/package.json",
    "data/x",
    "test/src/config/config.test.ts",
  ]) {
    t.ok(ignored(kept), `${kept} stays out`);
  }
});

t.test("the health check passes on a gateway and on a trainer, and fails on nothing", async (t) => {
  const healthcheck = last(chain("runtime"), "HEALTHCHECK") ?? "";
  const argv = JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD") + 3)) as string[];
  t.equal(argv[0], "node", "exec form, no shell or curl needed");
  // Asynchronously: the gateway answering it runs in this process.
  const check = async (env: Record<string, string>) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env } });
    const [status] = await once(child, "exit");
    return status as number;
  };
  const gateway = await buildGateway(
    t,
    { JURIST_BACKENDS: "http://127.0.0.1:9" },
    { listen: true },
  );
  const trainer = await startMetricsServer(new Registry(), 0, "127.0.0.1");
  t.teardown(() => trainer.close());
  const portOf = (url: string) => new URL(url).port;
  const unused = "1";
  t.equal(
    await check({ PORT: portOf(gateway.url), JURIST_TRAIN_METRICS_PORT: unused }),
    0,
    "gateway",
  );
  t.equal(
    await check({ PORT: unused, JURIST_TRAIN_METRICS_PORT: portOf(trainer.url) }),
    0,
    "trainer",
  );
  t.equal(await check({ PORT: unused, JURIST_TRAIN_METRICS_PORT: unused }), 1, "nothing up");
});

const daemon = spawnSync("docker", ["info"], { encoding: "utf8" });
t.test(
  "docker build makes an image that runs `jurist help`",
  daemon.status === 0
    ? {}
    : { skip: "SKIPPED: no Docker daemon answers here (docker info failed); build not tried" },
  async (t) => {
    const build = spawnSync("docker", ["build", "-q", "-t", "jurist:test", "."], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 900_000,
    });
    t.equal(build.status, 0, build.stderr);
    const help = spawnSync("docker", ["run", "--rm", "jurist:test", "help"], { encoding: "utf8" });
    t.match(help.stdout, /usage: jurist <command>/, "the CLI runs in it");
  },
);
