#!/usr/bin/env bash
# The fine-tune as a Kubernetes Job, as the trainer's command template (run from the repo root):
#
#   JURIST_FINE_TUNE_COMMAND='deploy/fine-tune/k8s/run-job.sh --dataset {dataset} --output {output} --init {init} --base-model {base_model}'
#
# Fills fine-tune-job.yaml in, creates the Job, streams its pod's log to stdout (the trainer's
# log), waits for it to complete or fail and exits 0 or 1 accordingly. Every argument becomes an
# argument of fine-tune.sh in the pod (append --full, --epochs N, ... to the template).
#
# The Job outlives the trainer: its name follows from --output (one per iteration), so a trainer
# that restarts and resumes the iteration at its fine-tune runs this again and re-attaches:
#   - no Job of that name: create it;
#   - one still running (or pending): follow it, creating nothing;
#   - one complete, with the run's jurist-fine-tune.json in --output: exit 0 (use its output);
#     complete without it (a Job left from a data directory since wiped): replace it;
#   - one failed that no run has reported yet (it failed while the trainer was away): exit 1
#     with its reason; failed and already reported (this is the trainer's retry): replace it.
# SIGTERM or SIGINT (the trainer stopping) leaves the Job running. Only an explicit cancel
# deletes it, and so its pod:
#
#   deploy/fine-tune/k8s/run-job.sh cancel --output DIR
#
# Settings, from the environment:
#   JURIST_K8S_IMAGE             the image built from deploy/fine-tune/trl/Dockerfile (required)
#   JURIST_K8S_PVC               the PersistentVolumeClaim holding the trainer's data (required)
#   JURIST_K8S_DATA_PATH         where it is mounted: the trainer's JURIST_DATA_DIR, absolute
#                                (default: JURIST_DATA_DIR, or ./data, made absolute)
#   JURIST_K8S_NAMESPACE         the namespace (default: kubectl's)
#   JURIST_K8S_HF_HOME           the Hugging Face cache in the pod (default DATA_PATH/huggingface)
#   JURIST_K8S_DEADLINE_SECONDS  the Job's activeDeadlineSeconds (default 172800, two days)
#   JURIST_K8S_TEMPLATE          another Job template (default fine-tune-job.yaml beside this)
#   JURIST_K8S_DRY_RUN=1         print the manifest instead of creating anything
#   JURIST_KUBECTL               the kubectl to run (default kubectl)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
  echo "run-job.sh: $1" >&2
  exit "${2:-1}"
}

# The value of --NAME in the arguments ("--NAME VALUE" or "--NAME=VALUE"); empty when absent.
arg_value() {
  local name=$1 previous="" arg value=""
  shift
  for arg in "$@"; do
    if [[ $previous == "--$name" ]]; then value=$arg; fi
    if [[ $arg == "--$name="* ]]; then value=${arg#"--$name="}; fi
    previous=$arg
  done
  printf '%s' "$value"
}

absolute() {
  case $1 in
    /*) printf '%s' "${1%/}" ;;
    *) printf '%s/%s' "$PWD" "${1#./}" | sed -e 's|/$||' ;;
  esac
}

# A path the pod can reach: absolute, no "..", on the shared volume.
check_path() {
  local flag=$1 path=$2
  [[ $path == /* ]] || die "--$flag $path is not absolute" 2
  [[ /$path/ != */../* ]] || die "--$flag $path has a .. in it" 2
  [[ $path == "$data_path"/* ]] || die "--$flag $path is not under $data_path, the shared volume's mount path" 2
}

# A YAML double-quoted scalar (JSON string syntax); control characters are refused before.
quoted() {
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

# The value as a sed replacement: \, & and the | delimiter escaped.
sed_safe() {
  printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

# DNS-1123 and at most 63 characters (the Job controller labels pods with the name): a slug of
# the output's last two path components, then a hash of the whole path, so that each
# iteration's fine-tune has its own name and a rerun of the same one reuses it.
job_name() {
  local output=$1 slug hash
  slug=$(printf '%s' "$(basename "$(dirname "$output")")-$(basename "$output")" |
    tr '[:upper:]' '[:lower:]' | sed -e 's/[^a-z0-9]/-/g' -e 's/--*/-/g' -e 's/^-//')
  slug=${slug:0:40}
  slug=${slug%-}
  if command -v sha256sum >/dev/null; then
    hash=$(printf '%s' "$output" | sha256sum | cut -c1-8)
  else
    hash=$(printf '%s' "$output" | shasum -a 256 | cut -c1-8)
  fi
  printf 'jurist-ft-%s%s' "${slug:+$slug-}" "$hash"
}

args_list() {
  local out="" arg
  for arg in "$@"; do out+="${out:+, }$(quoted "$arg")"; done
  printf '[%s]' "$out"
}

# A sed command replacing the template's "@@NAME@@", quotes included, with a YAML value.
fill() {
  printf 's|"@@%s@@"|%s|g' "$1" "$(sed_safe "$2")"
}

render() {
  sed -e "$(fill JOB_NAME "$(quoted "$name")")" \
    -e "$(fill IMAGE "$(quoted "$image")")" \
    -e "$(fill PVC "$(quoted "$pvc")")" \
    -e "$(fill DATA_PATH "$(quoted "$data_path")")" \
    -e "$(fill HF_HOME "$(quoted "$hf_home")")" \
    -e "$(fill DEADLINE_SECONDS "$deadline")" \
    -e "$(fill ARGS "$(args_list "$@")")" \
    "$template"
}

image=${JURIST_K8S_IMAGE:-}
pvc=${JURIST_K8S_PVC:-}
data_path=$(absolute "${JURIST_K8S_DATA_PATH:-${JURIST_DATA_DIR:-./data}}")
hf_home=${JURIST_K8S_HF_HOME:-$data_path/huggingface}
deadline=${JURIST_K8S_DEADLINE_SECONDS:-172800}
template=${JURIST_K8S_TEMPLATE:-$here/fine-tune-job.yaml}

cancel=0
if [[ ${1:-} == cancel ]]; then
  cancel=1
  shift
fi

missing=()
[[ -n $image ]] || missing+=(JURIST_K8S_IMAGE)
[[ -n $pvc ]] || missing+=(JURIST_K8S_PVC)
[[ ${#missing[@]} -eq 0 || $cancel == 1 ]] || die "set ${missing[*]}" 2
image_pattern='^[^[:space:][:cntrl:]"\\]+$'
pvc_pattern='^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
[[ $cancel == 1 || $image =~ $image_pattern ]] || die "JURIST_K8S_IMAGE $image is not an image reference" 2
[[ $cancel == 1 || $pvc =~ $pvc_pattern ]] || die "JURIST_K8S_PVC $pvc is not a claim name" 2
[[ $deadline =~ ^[1-9][0-9]*$ ]] || die "JURIST_K8S_DEADLINE_SECONDS must be a positive integer" 2
[[ -n $data_path ]] || die "the shared volume cannot be mounted at /" 2
for arg in "$@" "$data_path" "$hf_home"; do
  [[ $arg != *[[:cntrl:]]* ]] || die "an argument has a control character in it" 2
done

dataset=$(arg_value dataset "$@")
output=$(arg_value output "$@")
init=$(arg_value init "$@")
namespace=()
if [[ -n ${JURIST_K8S_NAMESPACE:-} ]]; then namespace=(--namespace "$JURIST_K8S_NAMESPACE"); fi
k() { "${JURIST_KUBECTL:-kubectl}" ${namespace[@]+"${namespace[@]}"} "$@"; }

if [[ $cancel == 1 ]]; then
  [[ -n $output ]] || die "cancel needs --output DIR, the fine-tune's output" 2
  name=$(job_name "${output%/}")
  echo "run-job.sh: cancelling: deleting job $name" >&2
  k delete job "$name" --ignore-not-found --cascade=foreground --wait=true >&2
  exit 0
fi

[[ -n $dataset && -n $output ]] || die "--dataset FILE and --output DIR are required" 2
check_path dataset "$dataset"
check_path output "$output"
if [[ -n $init ]]; then check_path init "$init"; fi

name=$(job_name "${output%/}")
# The run's own record, written last by train_judge.py: its presence means the output is whole.
finished_marker="${output%/}/jurist-fine-tune.json"
# The uid of a failed Job of this name whose failure a run already reported (exit 1), beside
# the output on the shared volume: the next run (the trainer's retry) replaces that Job.
reported_file="${output%/}.job-failure-reported"
manifest=$(render "$@")
if [[ $manifest == *@@*@@* ]]; then die "$template has a placeholder run-job.sh does not fill" 2; fi

if [[ ${JURIST_K8S_DRY_RUN:-} == 1 ]]; then
  printf '%s\n' "$manifest"
  exit 0
fi

logs="" waiter=""
stop() {
  trap - TERM INT
  kill $logs $waiter 2>/dev/null || true
  echo "run-job.sh: stopping; job $name keeps running (a rerun re-attaches to it; \"run-job.sh cancel --output $output\" deletes it)" >&2
  exit 143
}
trap stop TERM INT

# The Job of this name as "<uid> <condition types that are True>": Complete, Failed (and newer
# clusters' SuccessCriteriaMet / FailureTarget) once it has ended; nothing when there is none
# (`get --ignore-not-found` prints nothing and exits 0 for a missing object; any other error,
# an unreachable API server, exits non-zero).
job_state() {
  k get job "$name" --ignore-not-found \
    -o 'jsonpath={.metadata.uid}{" "}{.status.conditions[?(@.status=="True")].type}'
}

failure_reason() {
  k get job "$name" -o 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}: {.status.conditions[?(@.type=="Failed")].message}' || true
}

create_job() {
  printf '%s\n' "$manifest" | k create -f - >&2
  echo "run-job.sh: job $name created; following its pod's log" >&2
}

# Records that this Job's failure has been reported, so the next run replaces it.
remember_failure() {
  mkdir -p "$(dirname "$reported_file")" && printf '%s\n' "$1" >"$reported_file"
}

replace_job() {
  echo "run-job.sh: job $name $1; replacing it" >&2
  k delete job "$name" --ignore-not-found --cascade=foreground --wait=true >&2
  create_job
}

state=$(job_state) || die "job $name could not be read"
read -r uid conditions <<<"$state" || true
if [[ -z ${uid:-} ]]; then
  create_job
else
  case " $conditions " in
    *" Complete "*)
      if [[ -f $finished_marker ]]; then
        echo "run-job.sh: job $name had already completed; using its output" >&2
        exit 0
      fi
      replace_job "completed but $finished_marker is missing (a Job of an earlier data directory?)"
      ;;
    *" Failed "*)
      if [[ -f $reported_file && $(<"$reported_file") == "$uid" ]]; then
        replace_job "failed and was reported; this is a retry"
      else
        remember_failure "$uid"
        die "job $name failed while no trainer followed it: $(failure_reason)"
      fi
      ;;
    *)
      echo "run-job.sh: job $name is already running; re-attaching to it" >&2
      ;;
  esac
fi
k logs -f "job/$name" --pod-running-timeout="${deadline}s" &
logs=$!

# Lets the log stream finish the pod's last lines, then ends it.
finish_logs() {
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    kill -0 "$logs" 2>/dev/null || return 0
    sleep 1
  done
  kill "$logs" 2>/dev/null || true
}

unreadable=0
while :; do
  # An API server that stops answering for a while does not fail a training that goes on.
  if ! state=$(job_state); then
    ((++unreadable < 20)) || die "job $name could not be read 20 times in a row"
    sleep 15
    continue
  fi
  unreadable=0
  read -r uid conditions <<<"$state" || true
  [[ -n ${uid:-} ]] || die "job $name is gone (deleted by someone else?)"
  case " $conditions " in
    *" Complete "*)
      finish_logs
      echo "run-job.sh: job $name complete" >&2
      exit 0
      ;;
    *" Failed "*)
      finish_logs
      remember_failure "$uid"
      die "job $name failed: $(failure_reason)"
      ;;
  esac
  # Returns as soon as the Job completes; a failure is seen at the next turn, within 30 s. In
  # the background so that a signal is handled at once rather than when it returns.
  k wait --for=condition=complete --timeout=30s "job/$name" >/dev/null 2>&1 &
  waiter=$!
  wait "$waiter" || true
done
