#!/usr/bin/env bash
# The TRL fine-tune on one GPU host, as the trainer's command template (run from the repo root):
#
#   JURIST_FINE_TUNE_COMMAND='deploy/fine-tune/trl/fine-tune.sh --dataset {dataset} --output {output} --init {init} --base-model {base_model}'
#
# Every argument goes to train_judge.py unchanged (append --full, --epochs N, ... to the
# template). The dataset is checked first with the standard library, in seconds, before CUDA
# and the model take minutes to load; then the script replaces itself with accelerate launch,
# so the trainer's SIGTERM reaches the training processes directly.
#
# JURIST_FINE_TUNE_DRY_RUN=1 checks the dataset, then prints the launch command, one argument
# per line, instead of running it. JURIST_PYTHON and JURIST_ACCELERATE name another python3 and
# accelerate (a virtualenv's).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

dataset=""
previous=""
for arg in "$@"; do
  [[ $previous == --dataset ]] && dataset=$arg
  [[ $arg == --dataset=* ]] && dataset=${arg#--dataset=}
  previous=$arg
done
if [[ -z $dataset ]]; then
  echo "fine-tune.sh: --dataset FILE is required" >&2
  exit 2
fi

# Unbuffered, so the trainer's log gets each line as it is printed, not in 8 KiB bursts; no
# __pycache__ left in the checkout.
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

# Its summary goes to stderr so that a dry run's stdout is the command alone; the trainer logs both.
"${JURIST_PYTHON:-python3}" "$here/train_judge.py" --check-dataset "$dataset" >&2

command=(
  "${JURIST_ACCELERATE:-accelerate}" launch --config_file "$here/accelerate.yaml"
  "$here/train_judge.py" "$@"
)
if [[ ${JURIST_FINE_TUNE_DRY_RUN:-} == 1 ]]; then
  printf '%s\n' "${command[@]}"
  exit 0
fi
exec "${command[@]}"
