#!/bin/bash
# Submits N analysis shards as a job array and the combine step to run once all of them succeeded.
#   SHARDS=8 BASE=… MODELS="…" STORE=/shared/smile-store examples/slurm/submit.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p logs
shards=${SHARDS:-8}
array=$(sbatch --parsable --export=ALL --array=0-$((shards - 1)) analyze.sbatch)
sbatch --export=ALL --dependency=afterok:"$array" combine.sbatch
echo "submitted array $array ($shards shards) and its combine step"
