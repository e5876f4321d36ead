import { isDeepStrictEqual } from "node:util";
import t from "tap";
import { parse } from "yaml";
import { parseBackendTarget } from "../../../src/engine/backend-targets.ts";
import { allowedVariables, containerConfig, read, routeStatus, simPort } from "./app-contract.ts";
import { needs, readmeTemplates, run } from "./fine-tune-fixtures.ts";
import { ALERTS, alertGroups, DASHBOARD, JOB_TEMPLATE, staleCopies } from "./k8s-copies.ts";
import {
  type ConfigMap,
  type Container,
  command,
  environment,
  juristContainers,
  type K8sObject,
  permissions,
  portNumber,
  probes,
  render,
  type Service,
  selects,
  type View,
  view,
  type Workload,
} from "./rendered-manifests.ts";
import {
  DEFAULT_JUDGE,
  hasStructuredOutputs,
  mmLimits,
  trlDefaultLoraRank,
  VLLM_LORA_RANKS,
} from "./vllm-serving.ts";

/**
 * deploy/k8s rendered by `kubectl kustomize` for each overlay and checked against the app:
 * every variable a Jurist container gets is one the config schema knows and its value parses,
 * probes and scrapes hit routes that exist, ports agree with the configuration, Services
 * reach container ports, the gateways' DNS discovery names the headless Service, and the
 * copies of the Job template, alert rules and dashboard say what their sources say.
 */

const OVERLAYS = { dev: "jurist-dev", prod: "jurist" };
/** Kinds with no namespace: kustomize leaves them without one. */
const CLUSTER_SCOPED = ["Namespace", "PriorityClass"];
const tools = needs("kubectl");
const rendered = new Map<string, View>();
function overlay(name: string): View {
  if (!rendered.has(name)) rendered.set(name, view(render(name)));
  return rendered.get(name)!;
}

for (const [name, namespace] of Object.entries(OVERLAYS)) {
  t.test(`overlay ${name}`, tools, async (t) => {
    const v = overlay(name);

    t.test("renders into its namespace", async (t) => {
      const stray = v.objects.filter(
        (o) => !CLUSTER_SCOPED.includes(o.kind) && o.metadata.namespace !== namespace,
      );
      t.strictSame(
        stray.map((o) => `${o.kind}/${o.metadata.name}`),
        [],
        `everything in ${namespace}`,
      );
      t.ok(v.one("Namespace", namespace), "the overlay creates its namespace");
    });

    t.test("every built-in object decodes into its Kubernetes type", async (t) => {
      // Offline, through kubectl's own scheme: a wrong field type (a quoted number) fails to
      // decode. `set env` then refuses each object without a pod template, naming its decoded
      // type, which is fine. As a JSON stream: kubectl reads YAML 1.1, where a bare `yes` is a
      // boolean. The Prometheus Operator's kinds are not in the scheme and are left out.
      const builtIn = v.objects.filter((o) => !o.apiVersion.startsWith("monitoring.coreos.com/"));
      const decoded = run("kubectl", ["set", "env", "--local", "-f", "-", "-o", "name", "X=1"], {
        input: builtIn.map((o) => JSON.stringify(o)).join("\n"),
      });
      const errors = decoded.stderr.split(/^error: /m).filter((e) => e.trim() !== "");
      const refused = errors.filter((e) => !/is not a pod or does not have a pod template/.test(e));
      t.strictSame(refused, [], "every object decodes");
      const workloads = v.workloads.map((w) => `${w.kind.toLowerCase()}.apps/${w.metadata.name}`);
      t.strictSame(decoded.stdout.trim().split("\n").sort(), workloads.sort(), "workloads too");
    });

    t.test("every variable of a Jurist container is known and parses", async (t) => {
      const found = juristContainers(v);
      t.ok(found.length >= 2, "gateway and trainer run the Jurist image");
      for (const { workload, container } of found) {
        const env = environment(v, container);
        const allowed = allowedVariables(env.JURIST_FINE_TUNE_COMMAND);
        const unknown = Object.keys(env).filter((key) => !allowed.has(key));
        t.strictSame(
          unknown,
          [],
          `${workload.metadata.name}/${container.name}: no unknown variable`,
        );
        t.doesNotThrow(() => containerConfig(env), `${workload.metadata.name}: the config parses`);
      }
    });

    t.test("ports agree with the configuration", async (t) => {
      for (const { workload, container } of juristContainers(v)) {
        const config = containerConfig(environment(v, container));
        const port = (n: string) => portNumber(container, n);
        const where = `${workload.metadata.name}/${container.name}`;
        const cmd = command(container);
        if (cmd === "serve") {
          t.equal(port("http"), config.port, `${where}: http is PORT`);
          t.equal(port("grpc"), config.grpcPort, `${where}: grpc is GRPC_PORT`);
        } else if (cmd === "trainer") {
          t.equal(
            port("metrics"),
            config.trainer.metricsPort,
            `${where}: JURIST_TRAIN_METRICS_PORT`,
          );
        } else {
          t.equal(port("http"), simPort(container.args ?? []), `${where}: the sim's --port`);
        }
      }
    });

    t.test("probes hit routes the process serves", async (t) => {
      for (const workload of v.workloads) {
        for (const container of workload.spec.template.spec.containers) {
          for (const probe of probes(container)) {
            t.ok(
              portNumber(container, probe.port),
              `${container.name} ${probe.kind}: port ${probe.port} is a container port`,
            );
          }
        }
      }
      for (const { container } of juristContainers(v)) {
        const cmd = command(container);
        for (const probe of probes(container)) {
          const status = await routeStatus(t, cmd, probe.path);
          const ok = probe.kind === "readinessProbe" ? [200, 503] : [200];
          t.ok(ok.includes(status), `${cmd} ${probe.kind} ${probe.path}: ${status}`);
        }
      }
      const gateway = v.one<Workload>("Deployment", "jurist-gateway")!.spec.template.spec
        .containers[0]!;
      t.equal(gateway.livenessProbe?.httpGet?.path, "/healthz", "gateway: alive");
      t.equal(
        gateway.readinessProbe?.httpGet?.path,
        "/readyz?scope=process",
        "gateway: ready while the process is (a vLLM outage does not unready it)",
      );
      const trainer = v.one<Workload>("Deployment", "jurist-trainer")!.spec.template.spec
        .containers[0]!;
      t.equal(trainer.livenessProbe?.httpGet?.path, "/healthz", "trainer: alive");
    });

    t.test("Services reach container ports of the pods they select", async (t) => {
      for (const service of v.all<Service>("Service")) {
        const pods = v.workloads.filter((w) =>
          selects(service.spec.selector, w.spec.template.metadata.labels),
        );
        t.equal(pods.length, 1, `Service ${service.metadata.name} selects one workload`);
        const containers = pods.flatMap((w) => w.spec.template.spec.containers);
        for (const port of service.spec.ports) {
          const target = port.targetPort ?? port.port;
          t.ok(
            containers.some((c) => portNumber(c, target) !== undefined),
            `${service.metadata.name}:${port.name} → ${target} is a container port`,
          );
        }
      }
      for (const workload of v.workloads) {
        const { selector, template } = workload.spec;
        t.ok(
          selects(selector.matchLabels, template.metadata.labels),
          `${workload.metadata.name} selects its own pods`,
        );
      }
    });

    t.test("the gateways discover vLLM through the headless Service", async (t) => {
      const headless = v.one<Service>("Service", "vllm-headless")!;
      t.equal(headless.spec.clusterIP, "None", "headless: DNS lists every ready pod");
      for (const { workload, container } of juristContainers(v)) {
        const backends = environment(v, container).JURIST_BACKENDS;
        if (command(container) === "sim") continue;
        t.ok(backends, `${workload.metadata.name} sets JURIST_BACKENDS`);
        const target = parseBackendTarget(backends ?? "");
        t.match(target, { kind: "dns", protocol: "http" }, "DNS discovery");
        if (typeof target === "string" || target.kind !== "dns") continue;
        t.equal(target.hostname, `vllm-headless.${namespace}.svc.cluster.local`, "its DNS name");
        t.ok(
          headless.spec.ports.some((p) => p.port === target.port),
          "at the Service's port",
        );
      }
    });

    t.test("the data volume is shared at JURIST_DATA_DIR, vLLM included", async (t) => {
      const claims = v.all("PersistentVolumeClaim").map((c) => c.metadata.name);
      const dataDirs = juristContainers(v).map(
        ({ container }) => containerConfig(environment(v, container)).dataDir,
      );
      const dataDir = dataDirs[0]!;
      t.ok(
        dataDirs.every((d) => d === dataDir),
        `one JURIST_DATA_DIR: ${dataDir}`,
      );
      const vllm = v.one<Workload>("Deployment", "vllm")!;
      for (const workload of [...new Set([...juristContainers(v).map((j) => j.workload), vllm])]) {
        const { containers, volumes = [] } = workload.spec.template.spec;
        const mount = containers[0]!.volumeMounts?.find((m) => m.mountPath === dataDir);
        const claim = volumes.find((vol) => vol.name === mount?.name)?.persistentVolumeClaim
          ?.claimName;
        t.ok(
          claim && claims.includes(claim),
          `${workload.metadata.name} mounts claim ${claim} at ${dataDir}`,
        );
      }
    });

    t.test("the gateway scales and survives disruption", async (t) => {
      const hpa = v.one<
        K8sObject & {
          spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
        }
      >("HorizontalPodAutoscaler", "jurist-gateway")!;
      t.ok(
        v.one(hpa.spec.scaleTargetRef.kind, hpa.spec.scaleTargetRef.name),
        "the HPA scales a rendered Deployment",
      );
      const gateway = v.one<Workload>("Deployment", "jurist-gateway")!;
      t.notOk("replicas" in gateway.spec, "the HPA alone sets the gateway's replicas");
      const pdb = v.one<
        K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }
      >("PodDisruptionBudget", "jurist-gateway")!;
      t.ok(
        selects(pdb.spec.selector.matchLabels, gateway.spec.template.metadata.labels),
        "the PDB covers the gateways",
      );
    });

    t.test("the trainer's fine-tune: simulated in dev, Kubernetes Jobs in prod", async (t) => {
      const pod = v.one<Workload>("Deployment", "jurist-trainer")!.spec.template.spec;
      const env = environment(v, pod.containers[0]!);
      if (name === "dev") {
        t.equal(env.JURIST_FINE_TUNE_COMMAND, undefined, "the default: the simulated fine-tune");
        return;
      }
      t.equal(env.JURIST_FINE_TUNE_COMMAND, readmeTemplates().k8s, "the README's Job template");
      t.notMatch(env.JURIST_K8S_IMAGE, /:latest$/, "a pinned fine-tune image");
      t.ok(v.one("PersistentVolumeClaim", env.JURIST_K8S_PVC ?? ""), "JURIST_K8S_PVC is rendered");
      // run-job.sh mounts that claim in the Job at JURIST_K8S_DATA_PATH, by default
      // JURIST_DATA_DIR: the trainer must have the same claim there.
      const dataPath = env.JURIST_K8S_DATA_PATH ?? containerConfig(env).dataDir;
      const dataMount = pod.containers[0]!.volumeMounts?.find((m) => m.mountPath === dataPath);
      const dataVolume = pod.volumes?.find((vol) => vol.name === dataMount?.name);
      t.equal(dataVolume?.persistentVolumeClaim?.claimName, env.JURIST_K8S_PVC, "same files");
      const template = env.JURIST_K8S_TEMPLATE ?? "";
      const mount = pod.containers[0]!.volumeMounts?.find((m) =>
        template.startsWith(`${m.mountPath}/`),
      );
      const volume = pod.volumes?.find((vol) => vol.name === mount?.name);
      const map = v.one<ConfigMap>("ConfigMap", volume?.configMap?.name ?? "");
      const key = template.slice((mount?.mountPath.length ?? 0) + 1);
      t.equal(map?.data[key], read(JOB_TEMPLATE), `JURIST_K8S_TEMPLATE holds ${JOB_TEMPLATE}`);

      t.ok(v.one("ServiceAccount", pod.serviceAccountName ?? ""), "its ServiceAccount is rendered");
      const may = permissions(v, pod.serviceAccountName ?? "", namespace);
      t.ok(
        may("batch", "jobs", ["create", "get", "list", "watch", "delete"]),
        "Jobs: all run-job.sh does",
      );
      t.ok(may("", "pods", ["get", "list", "watch"]) && may("", "pods/log", ["get"]), "pod logs");
    });
  });
}

t.test(
  "the gateways and the trainer are told the replicas' --max-num-seqs, which they divide",
  tools,
  async (t) => {
    for (const name of Object.keys(OVERLAYS)) {
      const v = overlay(name);
      const toldTo = (deployment: string) =>
        v
          .one<Workload>("Deployment", deployment)!
          .spec.template.spec.containers[0]!.env?.find(
            (e) => e.name === "JURIST_REPLICA_MAX_NUM_SEQS",
          )?.value;
      const told = toldTo("jurist-gateway");
      // The trainer counts among the gateways' peers: its part is of the same number.
      t.equal(toldTo("jurist-trainer"), told, `${name}: the trainer is told the same`);
      const replica = v.one<Workload>("Deployment", "vllm")!.spec.template.spec.containers[0]!;
      const args = replica.args ?? [];
      // vLLM's `--max-num-seqs=N`; the simulator's `--max-concurrency N` plays it.
      const flag =
        args.find((a) => a.startsWith("--max-num-seqs="))?.split("=")[1] ??
        args[args.indexOf("--max-concurrency") + 1];
      t.ok(told !== undefined && flag !== undefined, `${name}: both set`);
      t.equal(told, flag, `${name}: the gateway's value is the replicas' own`);
    }
  },
);

t.test(
  "dev runs simulated replicas with in-cluster Redis; prod real vLLM with an external one",
  tools,
  async (t) => {
    const dev = overlay("dev");
    const prod = overlay("prod");
    const vllm = (v: View) =>
      v.one<Workload>("Deployment", "vllm")!.spec.template.spec.containers[0]!;
    t.equal(command(vllm(dev)), "sim", "dev: simulated replicas");
    t.match(vllm(prod).image, /^vllm\/vllm-openai:v\d+\.\d+\.\d+$/, "prod: a pinned vLLM");
    const args = vllm(prod).args ?? [];
    t.ok(
      args.includes("--enable-lora") && args.some((a) => a.startsWith("--max-lora-rank=")),
      "LoRA on",
    );
    const flag = (name: string) =>
      args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
    const rank = Number(flag("--max-lora-rank"));
    t.ok(VLLM_LORA_RANKS.includes(rank), `--max-lora-rank ${rank} is one vLLM takes`);
    t.ok(rank >= trlDefaultLoraRank(), "and holds the TRL template's adapters");
    t.ok(mmLimits(flag("--limit-mm-per-prompt"))?.image, "images allowed, as JSON");
    t.ok(
      hasStructuredOutputs(vllm(prod).image?.split(":")[1] ?? ""),
      "a vLLM with structured_outputs",
    );
    const model = vllm(prod).env?.find((e) => e.name === "VLLM_MODEL")?.value;
    t.equal(model, DEFAULT_JUDGE, "prod: the default judge, one vLLM serves with LoRA");
    const lora = vllm(prod).env?.find((e) => e.name === "VLLM_ALLOW_RUNTIME_LORA_UPDATING");
    t.equal(lora?.value, "True", "runtime LoRA updating on: promotion loads adapters");
    const gpus = (vllm(prod) as Container & { resources: { limits: Record<string, unknown> } })
      .resources.limits;
    t.equal(String(gpus["nvidia.com/gpu"]), "1", "one GPU per replica");
    t.ok(
      dev.one("StatefulSet", "redis") && dev.one("Secret", "jurist-redis"),
      "dev: Redis in the namespace",
    );
    t.notOk(
      prod.one("StatefulSet", "redis") ||
        prod.one("Service", "redis") ||
        prod.one("Secret", "jurist-redis"),
      "prod: none",
    );
    const redis = dev.one<Workload>("StatefulSet", "redis")!.spec.template.spec.containers[0]!;
    t.match(redis.args?.join(" "), /--appendonly yes/, "AOF persistence");
  },
);

t.test("prod's monitoring: ServiceMonitors, the alert rules, the dashboard", tools, async (t) => {
  const v = overlay("prod");
  const rule = v.one<K8sObject & { spec: { groups: unknown[] } }>("PrometheusRule", "jurist");
  t.ok(
    isDeepStrictEqual(rule?.spec.groups, alertGroups()),
    `the PrometheusRule's groups are ${ALERTS}'s`,
  );
  const dashboard = v.one<ConfigMap>("ConfigMap", "jurist-dashboard");
  t.equal(dashboard?.metadata.labels?.grafana_dashboard, "1", "the Grafana sidecar's label");
  t.equal(dashboard?.data["jurist.json"], read(DASHBOARD), `it holds ${DASHBOARD}`);

  const jobs: string[] = [];
  for (const monitor of v.all<
    K8sObject & {
      spec: {
        jobLabel: string;
        selector: { matchLabels: Record<string, string> };
        endpoints: { port: string; path: string }[];
      };
    }
  >("ServiceMonitor")) {
    const services = v
      .all<Service>("Service")
      .filter((s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}));
    t.equal(services.length, 1, `ServiceMonitor ${monitor.metadata.name} selects one Service`);
    const service = services[0]!;
    jobs.push(service.metadata.labels?.[monitor.spec.jobLabel] ?? service.metadata.name);
    for (const endpoint of monitor.spec.endpoints) {
      t.ok(
        service.spec.ports.some((p) => p.name === endpoint.port),
        `${service.metadata.name} has port ${endpoint.port}`,
      );
      const pods = v.workloads.filter((w) =>
        selects(service.spec.selector, w.spec.template.metadata.labels),
      );
      for (const { container } of juristContainers(v).filter((j) => pods.includes(j.workload))) {
        const status = await routeStatus(t, command(container), endpoint.path);
        t.equal(status, 200, `${command(container)} serves ${endpoint.path}`);
      }
    }
  }
  const compose = parse(read("deploy/prometheus/prometheus.yml")) as {
    scrape_configs: { job_name: string }[];
  };
  const composeJobs = compose.scrape_configs.map((s) => s.job_name);
  t.ok(
    jobs.every((job) => composeJobs.includes(job)),
    `job names ${jobs} are compose's too: one query fits both`,
  );
});

t.test("deploy/k8s's copies say what their sources say", async (t) => {
  const stale = staleCopies().map((copy) => `${copy.path} (from ${copy.source})`);
  t.strictSame(stale, [], "run: node --import=tsx test/contracts/deploy/k8s-copies.ts --write");
});
