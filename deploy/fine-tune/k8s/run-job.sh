#!/usr/bin/env bash
# The fine-tune as a Kubernetes Job, as the trainer's command template (run from the repo root):
#
#   JURIST_FINE_TUNE_COMMAND='deploy/fine-tune/k8s/run-job.sh --dataset {dataset} --output {output} --init {init} --base-model {base_model}'
#
# Fills fine-tune-job.yaml in, creates the Job, streams its pod's log to stdout (the trainer's
# log), waits for it to complete or fail and exits 0 or 1 accordingly. SIGTERM or SIGINT (the
# trainer stopping) deletes the Job, and so its pod. Every argument becomes an argument of
# fine-tune.sh in the pod (append --full, --epochs N, ... to the template).
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

missing=()
[[ -n $image ]] || missing+=(JURIST_K8S_IMAGE)
[[ -n $pvc ]] || missing+=(JURIST_K8S_PVC)
[[ ${#missing[@]} -eq 0 ]] || die "set ${missing[*]}" 2
image_pattern='^[^[:space:][:cntrl:]"\\]+$'
pvc_pattern='^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'
[[ $image =~ $image_pattern ]] || die "JURIST_K8S_IMAGE $image is not an image reference" 2
[[ $pvc =~ $pvc_pattern ]] || die "JURIST_K8S_PVC $pvc is not a claim name" 2
[[ $deadline =~ ^[1-9][0-9]*$ ]] || die "JURIST_K8S_DEADLINE_SECONDS must be a positive integer" 2
[[ -n $data_path ]] || die "the shared volume cannot be mounted at /" 2
for arg in "$@" "$data_path" "$hf_home"; do
  [[ $arg != *[[:cntrl:]]* ]] || die "an argument has a control character in it" 2
done

dataset=$(arg_value dataset "$@")
output=$(arg_value output "$@")
init=$(arg_value init "$@")
[[ -n $dataset && -n $output ]] || die "--dataset FILE and --output DIR are required" 2
check_path dataset "$dataset"
check_path output "$output"
if [[ -n $init ]]; then check_path init "$init"; fi

name=$(job_name "${output%/}")
manifest=$(render "$@")
if [[ $manifest == *@@*@@* ]]; then die "$template has a placeholder run-job.sh does not fill" 2; fi

if [[ ${JURIST_K8S_DRY_RUN:-} == 1 ]]; then
  printf '%s\n' "$manifest"
  exit 0
fi

namespace=()
if [[ -n ${JURIST_K8S_NAMESPACE:-} ]]; then namespace=(--namespace "$JURIST_K8S_NAMESPACE"); fi
k() { "${JURIST_KUBECTL:-kubectl}" ${namespace[@]+"${namespace[@]}"} "$@"; }

logs="" waiter=""
stop() {
  trap - TERM INT
  echo "run-job.sh: stopping, deleting job $name" >&2
  kill $logs $waiter 2>/dev/null || true
  k delete job "$name" --ignore-not-found --cascade=background --wait=false >&2 || true
  exit 143
}
trap stop TERM INT

# A Job of this name is an earlier attempt at this very fine-tune (the name follows from the
# output directory): it must not go on writing there beside the new one.
k delete job "$name" --ignore-not-found --cascade=foreground --wait=true >&2
printf '%s\n' "$manifest" | k create -f - >&2
echo "run-job.sh: job $name created; following its pod's log" >&2
k logs -f "job/$name" --pod-running-timeout="${deadline}s" &
logs=$!

# Complete, Failed (and newer clusters' SuccessCriteriaMet / FailureTarget) once it has ended.
conditions() {
  k get job "$name" -o 'jsonpath={.status.conditions[?(@.status=="True")].type}'
}

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
  if ! state=$(conditions); then
    ((++unreadable < 20)) || die "job $name could not be read 20 times in a row"
    sleep 15
    continue
  fi
  unreadable=0
  case " $state " in
    *" Complete "*)
      finish_logs
      echo "run-job.sh: job $name complete" >&2
      exit 0
      ;;
    *" Failed "*)
      finish_logs
      reason=$(k get job "$name" -o 'jsonpath={.status.conditions[?(@.type=="Failed")].reason}: {.status.conditions[?(@.type=="Failed")].message}') || true
      die "job $name failed: $reason"
      ;;
  esac
  # Returns as soon as the Job completes; a failure is seen at the next turn, within 30 s. In
  # the background so that a signal is handled at once rather than when it returns.
  k wait --for=condition=complete --timeout=30s "job/$name" >/dev/null 2>&1 &
  waiter=$!
  wait "$waiter" || true
done
