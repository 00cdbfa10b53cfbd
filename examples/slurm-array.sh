#!/usr/bin/env bash
# A folder spread over a Slurm job array, written by hand (`gigaquant slurm batch` writes and
# submits the same jobs for you: see README, "Many machines").
#
# Every task reads the inputs' headers and takes its share by pixel count (--shard auto reads
# SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT, so --array=1-8 or 0-15:2 work too); all tasks
# write into one shared output folder, each to its own manifest part.
#   Submit:      sbatch --array=0-7 examples/slurm-array.sh
#   Afterwards:  gigaquant merge /shared/scans-k64   (or: sbatch --dependency=afterany:<id> ...)
#SBATCH --job-name=gigaquant
#SBATCH --cpus-per-task=2
#SBATCH --mem=1200M
#SBATCH --time=04:00:00
set -euo pipefail
exec npx gigaquant batch '/shared/scans/**/*.tif' \
  --out-dir /shared/scans-k64 -k 64 \
  --shard auto --concurrency "${SLURM_CPUS_PER_TASK:-2}" \
  --tmp-dir "${TMPDIR:-/tmp}"
