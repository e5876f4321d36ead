import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A stand-in kubectl for run-job.sh, keeping Jobs as directories (`jobs/<name>/uid`,
 * `conditions`, `reason`, `message`), answering the commands run-job.sh uses the way kubectl
 * does, exit codes and messages included. Followed: kubectl's `pkg/cmd/get/get.go`
 * (kubernetes/kubectl at 5be1f71, `printGeneric`: with `--ignore-not-found` a missing object
 * prints nothing and exits 0; without it the API's NotFound is the error, exit 1), the
 * client's error wording as kubectl 1.32 prints it (`Error from server (NotFound): jobs.batch
 * "x" not found`, `(AlreadyExists): error when creating "STDIN": ...`), `kubectl wait`
 * (exit 0 with `condition met`, 1 with `timed out waiting for the condition`), and jsonpath's
 * missing keys printing nothing (a Job without conditions yet). Only the jsonpath templates
 * run-job.sh sends are understood: any other fails the test loudly.
 *
 * A created Job takes the conditions of the file `outcome` (when present) at its first
 * `wait`, as a Job that runs for a while and then ends; `down` makes every call fail as an
 * unreachable API server does.
 */
export interface KubectlStandIn {
  /** The script to put in JURIST_KUBECTL. */
  command: string;
  /** Every call's arguments, one line each. */
  calls(): string[];
  /** The manifest of the last `create`. */
  created(): string;
  /** Sets what a Job created from now on ends as (`Complete`, `Failed`, …; "" = runs on). */
  outcome(conditions: string, reason?: string, message?: string): void;
  /** A Job left from before (a trainer that restarted): its uid and conditions. */
  existingJob(name: string, uid: string, conditions: string, reason?: string): void;
  hasJob(name: string): boolean;
  /** Makes the API server unreachable (true) or reachable again. */
  down(isDown: boolean): void;
}

export function kubectlStandIn(dir: string): KubectlStandIn {
  const home = join(dir, `kubectl-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(home, "jobs"), { recursive: true });
  const command = join(home, "kubectl.sh");
  writeFileSync(
    command,
    `#!/usr/bin/env bash
home=${JSON.stringify(home)}
printf '%s\\n' "$*" >> "$home/calls"
if [[ -e $home/down ]]; then
  echo "The connection to the server localhost:8080 was refused - did you specify the right host or port?" >&2
  exit 1
fi
[[ $1 == --namespace ]] && shift 2
has() { local flag=$1; shift; for a in "$@"; do [[ $a == "$flag" ]] && return 0; done; return 1; }
not_found() { echo "Error from server (NotFound): jobs.batch \\"$1\\" not found" >&2; exit 1; }
UID_AND_TRUE='jsonpath={.metadata.uid}{" "}{.status.conditions[?(@.status=="True")].type}'
FAILED_REASON='jsonpath={.status.conditions[?(@.type=="Failed")].reason}: {.status.conditions[?(@.type=="Failed")].message}'
case $1 in
  create)
    manifest=$(cat)
    printf '%s\\n' "$manifest" > "$home/created"
    name=$(printf '%s\\n' "$manifest" | sed -n 's/^  name: "\\(.*\\)"$/\\1/p' | head -1)
    if [[ -d $home/jobs/$name ]]; then
      echo "Error from server (AlreadyExists): error when creating \\"STDIN\\": jobs.batch \\"$name\\" already exists" >&2
      exit 1
    fi
    mkdir -p "$home/jobs/$name"
    echo "uid-$RANDOM$RANDOM" > "$home/jobs/$name/uid"
    : > "$home/jobs/$name/conditions"
    for f in outcome reason message; do [[ -e $home/$f ]] && cp "$home/$f" "$home/jobs/$name/next-$f"; done
    echo "job.batch/$name created"
    ;;
  get)
    name=$3
    job=$home/jobs/$name
    if [[ ! -d $job ]]; then has --ignore-not-found "$@" && exit 0; not_found "$name"; fi
    template=""
    for a in "$@"; do [[ $a == jsonpath=* ]] && template=$a; done
    prev=""; for a in "$@"; do [[ $prev == -o ]] && template=$a; prev=$a; done
    case $template in
      "$UID_AND_TRUE") printf '%s %s' "$(<"$job/uid")" "$(<"$job/conditions")" ;;
      "$FAILED_REASON") printf '%s: %s' "$(cat "$job/reason" 2>/dev/null)" "$(cat "$job/message" 2>/dev/null)" ;;
      *) echo "kubectl stand-in: unknown template $template" >&2; exit 3 ;;
    esac
    ;;
  logs)
    name=\${3#job/}
    [[ -d $home/jobs/$name ]] || { echo "error: error from server (NotFound): jobs.batch \\"$name\\" not found" >&2; exit 1; }
    echo "epoch 1/5 loss 0.52"
    ;;
  wait)
    name=\${4#job/}
    job=$home/jobs/$name
    [[ -d $job ]] || not_found "$name"
    for f in outcome reason message; do
      if [[ -e $job/next-$f ]]; then
        if [[ $f == outcome ]]; then mv "$job/next-$f" "$job/conditions"; else mv "$job/next-$f" "$job/$f"; fi
      fi
    done
    if [[ " $(<"$job/conditions") " == *" Complete "* ]]; then echo "job.batch/$name condition met"; exit 0; fi
    sleep 0.1
    echo "error: timed out waiting for the condition on jobs/$name" >&2
    exit 1
    ;;
  delete)
    name=$3
    if [[ ! -d $home/jobs/$name ]]; then has --ignore-not-found "$@" && exit 0; not_found "$name"; fi
    rm -rf "$home/jobs/$name"
    echo "job.batch \\"$name\\" deleted"
    ;;
  *) echo "kubectl stand-in: unexpected command $*" >&2; exit 3 ;;
esac
exit 0
`,
  );
  chmodSync(command, 0o755);
  const read = (file: string) =>
    existsSync(join(home, file)) ? readFileSync(join(home, file), "utf8") : "";
  return {
    command,
    calls: () => read("calls").trimEnd().split("\n").filter(Boolean),
    created: () => read("created"),
    outcome(conditions, reason = "", message = "") {
      writeFileSync(join(home, "outcome"), conditions);
      writeFileSync(join(home, "reason"), reason);
      writeFileSync(join(home, "message"), message);
    },
    existingJob(name, uid, conditions, reason = "") {
      const job = join(home, "jobs", name);
      mkdirSync(job, { recursive: true });
      writeFileSync(join(job, "uid"), uid);
      writeFileSync(join(job, "conditions"), conditions);
      writeFileSync(join(job, "reason"), reason);
      writeFileSync(join(job, "message"), reason ? "it failed" : "");
    },
    hasJob: (name) => existsSync(join(home, "jobs", name)),
    down(isDown) {
      if (isDown) writeFileSync(join(home, "down"), "");
      else rmSync(join(home, "down"), { force: true });
    },
  };
}
