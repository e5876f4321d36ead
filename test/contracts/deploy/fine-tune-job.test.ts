import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { fineTuneArgv } from "../../../trainer/stages/fine-tune.ts";
import { cleanEnv, needs, ROOT, readmeTemplates, run } from "./fine-tune-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "jurist-fine-tune-job-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// Characters sed and YAML would both trip on, were they not escaped and quoted.
const dataPath = join(dir, `data&co|"x\\y`);
const settings = {
  JURIST_K8S_IMAGE: "registry.example/jurist-fine-tune:1.0",
  JURIST_K8S_PVC: "jurist-data",
  JURIST_K8S_DATA_PATH: dataPath,
};
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function argvFor(iteration: number, init: string): string[] {
  return fineTuneArgv(readmeTemplates().k8s, {
    dataset: `${dataPath}/trainer/iteration-${iteration}/dataset.jsonl`,
    output: `${dataPath}/trainer/iteration-${iteration}/checkpoint`,
    init,
    base_model: "Qwen/Qwen2.5-VL-7B-Instruct",
  });
}

function render(argv: string[], env: Record<string, string> = settings) {
  return run(argv[0]!, argv.slice(1), { env: { ...env, JURIST_K8S_DRY_RUN: "1" } });
}

/** The manifest as kubectl decodes it into batch/v1 types, offline (a wrong type fails here). */
function decode(manifest: string) {
  const result = run(
    "kubectl",
    ["set", "env", "--local", "-f", "-", "-o", "json", "JURIST_CHECK=1"],
    {
      input: manifest,
    },
  );
  if (result.status !== 0)
    throw new Error(`kubectl could not decode the manifest: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

t.test(
  "run-job.sh renders a Job kubectl accepts, with the values in place",
  needs("bash", "kubectl"),
  async (t) => {
    const init = `${dataPath}/trainer/iteration-2/checkpoint`;
    const argv = argvFor(3, init);
    const rendered = render(argv);
    t.equal(rendered.status, 0, rendered.stderr);
    t.notMatch(rendered.stdout, /@@/, "no placeholder left");
    const job = decode(rendered.stdout);
    t.equal(job.apiVersion, "batch/v1");
    t.equal(job.kind, "Job");
    t.match(job.metadata.name, /^jurist-ft-iteration-3-checkpoint-[0-9a-f]{8}$/);
    t.match(job.spec, { backoffLimit: 0, activeDeadlineSeconds: 172800 });
    t.ok(job.spec.ttlSecondsAfterFinished > 0, "finished Jobs are cleaned up");
    const pod = job.spec.template.spec;
    t.equal(pod.restartPolicy, "Never");
    const [container] = pod.containers;
    t.equal(container.image, settings.JURIST_K8S_IMAGE);
    t.strictSame(container.args, argv.slice(1), "the template's arguments, unchanged");
    t.ok(container.args.includes(init));
    t.equal(String(container.resources.limits["nvidia.com/gpu"]), "1");
    const data = pod.volumes.find((v: { name: string }) => v.name === "data");
    t.equal(data.persistentVolumeClaim.claimName, "jurist-data");
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === "data");
    t.equal(mount.mountPath, dataPath, "mounted where the trainer keeps its data");
    const hfHome = container.env.find((e: { name: string }) => e.name === "HF_HOME");
    t.equal(hfHome.value, `${dataPath}/huggingface`);

    const first = decode(render(argvFor(1, "")).stdout);
    t.notOk(
      first.spec.template.spec.containers[0].args.includes("--init"),
      "no --init on iteration 1",
    );
  },
);

t.test("job names are DNS labels, stable per output directory", needs("bash"), async (t) => {
  const nameOf = (argv: string[]) => /^ {2}name: "(.+)"$/m.exec(render(argv).stdout)?.[1] ?? "";
  t.equal(nameOf(argvFor(4, "")), nameOf(argvFor(4, "")), "a rerun gets the same name");
  t.not(nameOf(argvFor(4, "")), nameOf(argvFor(5, "")), "another iteration gets another");
  const odd = [
    readmeTemplates().k8s.split(" ")[0]!,
    "--dataset",
    `${dataPath}/d.jsonl`,
    "--output",
    `${dataPath}/Runs_2026/ITERATION_0042_with_a_rather_long_directory_name_indeed/checkpoint/`,
  ];
  const name = nameOf(odd);
  t.match(name, DNS_LABEL);
  t.ok(name.length <= 63, `${name} fits a label`);
});

t.test("run-job.sh refuses what the pod could not use", needs("bash"), async (t) => {
  const argv = argvFor(1, "");
  const unset = render(argv, {});
  t.equal(unset.status, 2);
  t.match(unset.stderr, /set JURIST_K8S_IMAGE JURIST_K8S_PVC/);
  const elsewhere = render(argv, { ...settings, JURIST_K8S_DATA_PATH: join(dir, "other") });
  t.equal(elsewhere.status, 2);
  t.match(elsewhere.stderr, /is not under .*other, the shared volume's mount path/);
  const [script] = argv;
  const sneaky = [script!, "--dataset", `${dataPath}/../etc/d.jsonl`, "--output", `${dataPath}/o`];
  t.match(render(sneaky).stderr, /has a \.\. in it/);
  const relative = [script!, "--dataset", "data/d.jsonl", "--output", `${dataPath}/o`];
  t.match(render(relative).stderr, /is not absolute/);
  const badClaim = render(argv, { ...settings, JURIST_K8S_PVC: "Not_A_Claim" });
  t.equal(badClaim.status, 2);
});

/** A stand-in kubectl: records each call; the Job's conditions come from the file `outcome`. */
function fakeKubectl(): string {
  const fake = join(dir, `kubectl-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    `${fake}.sh`,
    `#!/usr/bin/env bash
here=${JSON.stringify(fake)}
printf '%s\\n' "$*" >> "$here.calls"
[[ $1 == --namespace ]] && shift 2
case $1 in
  create) cat > "$here.created" ;;
  logs) echo "epoch 1/5 loss 0.52" ;;
  get)
    if [[ $* == *'type=="Failed"'* ]]; then echo "DeadlineExceeded: Job was active longer than specified deadline"
    else echo >> "$here.gets"; (( $(wc -l < "$here.gets") >= 2 )) && cat "$here.outcome"; fi ;;
  wait) sleep 0.1; exit 1 ;;
esac
exit 0
`,
  );
  chmodSync(`${fake}.sh`, 0o755);
  return fake;
}

async function runJob(
  fake: string,
  outcome: string,
  whileRunning?: (child: ChildProcess) => Promise<void>,
) {
  writeFileSync(`${fake}.outcome`, outcome);
  const argv = argvFor(7, "");
  const env = { ...settings, JURIST_KUBECTL: `${fake}.sh`, JURIST_K8S_NAMESPACE: "judges" };
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: cleanEnv(env) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const closed = once(child, "close");
  await whileRunning?.(child);
  const [code] = await closed;
  const calls = readFileSync(`${fake}.calls`, "utf8").trimEnd().split("\n");
  return { code, stdout, stderr, calls, manifest: render(argv).stdout };
}

t.test(
  "run-job.sh creates the Job, streams its log and exits 0 when it completes",
  needs("bash"),
  async (t) => {
    const fake = fakeKubectl();
    const result = await runJob(fake, "SuccessCriteriaMet Complete");
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /epoch 1\/5 loss 0\.52/, "the pod's log reaches the trainer's");
    t.equal(
      readFileSync(`${fake}.created`, "utf8"),
      result.manifest,
      "the rendered manifest was created",
    );
    const name = /^ {2}name: "(.+)"$/m.exec(result.manifest)![1]!;
    t.ok(
      result.calls.every((call) => call.startsWith("--namespace judges ")),
      "in the namespace",
    );
    const verbs = result.calls.map((call) => call.split(" ").slice(2, 4).join(" "));
    t.strictSame(
      verbs.slice(0, 2),
      ["delete job", "create -f"],
      "a leftover Job goes before the new one",
    );
    t.ok(
      result.calls.includes(`--namespace judges logs -f job/${name} --pod-running-timeout=172800s`),
    );
    t.ok(
      result.calls.some((call) =>
        call.includes(`wait --for=condition=complete --timeout=30s job/${name}`),
      ),
    );
  },
);

t.test("run-job.sh exits 1 with the reason when the Job fails", needs("bash"), async (t) => {
  const result = await runJob(fakeKubectl(), "FailureTarget Failed");
  t.equal(result.code, 1);
  t.match(result.stderr, /failed: DeadlineExceeded: Job was active longer/);
});

t.test("run-job.sh deletes the Job when the trainer stops it", needs("bash"), async (t) => {
  const fake = fakeKubectl();
  const result = await runJob(fake, "", async (child) => {
    const deadline = Date.now() + 20_000;
    const waiting = () =>
      existsSync(`${fake}.calls`) && readFileSync(`${fake}.calls`, "utf8").includes(" wait ");
    while (!waiting() && Date.now() < deadline) await sleep(50);
    child.kill("SIGTERM");
  });
  t.equal(result.code, 143);
  const name = /^ {2}name: "(.+)"$/m.exec(result.manifest)![1]!;
  t.equal(
    result.calls.at(-1),
    `--namespace judges delete job ${name} --ignore-not-found --cascade=background --wait=false`,
  );
});
