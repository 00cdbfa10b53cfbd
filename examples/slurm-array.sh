#!/usr/bin/env bash
# One folder spread over a Slurm job array: task i of n takes every n-th input of the sorted list
# (--shard i/n), and all tasks write into one shared output folder, each to its own manifest part.
# Submit:   sbatch --array=0-7 examples/slurm-array.sh
# Then:     gigaquant merge /shared/scans-k64    (or let the next unsharded run fold the parts in)
# With --shared-palette every task fits the same palette (same inputs, same seed), so all outputs
# share it; fitting reads every input once per task.
#SBATCH --job-name=gigaquant
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=04:00:00
set -euo pipefail
n=${SLURM_ARRAY_TASK_COUNT:?submit with --array}
i=${SLURM_ARRAY_TASK_ID:?submit with --array}
exec npx gigaquant batch '/shared/scans/**/*.tif' \
  --out-dir /shared/scans-k64 -k 64 \
  --shard "$i/$n" --concurrency "${SLURM_CPUS_PER_TASK:-2}" \
  --tmp-dir "${TMPDIR:-/tmp}"
