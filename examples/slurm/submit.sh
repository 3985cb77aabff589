#!/bin/bash
# Submits a smile-inspect family analysis as a Slurm job array of SHARDS tasks that share one results
# store, and the combine step (report, verdict, figures) to run once every task has ended.
#
#   BASE=/shared/models/llama-7b MODELS="/shared/models/ft-math /shared/models/ft-code" \
#   STORE=/shared/smile-store SHARDS=8 CPUS=8 MEM=48G examples/slurm/submit.sh
#
# Settings (environment variables; paths may be relative to the directory you run this from):
#   BASE, MODELS, STORE  the pretrained checkpoint, the fine-tuned ones (separated by spaces), the store
#   SHARDS=4             analysis shards (array tasks 0…SHARDS−1; each runs --shard auto --shard-count SHARDS)
#   CPUS=2 MEM=8G TIME=04:00:00
#                        per shard task; --jobs is CPUS and --max-memory 85 % of MEM (MAX_MEMORY overrides)
#   COMBINE_MEM=2G       the combine step's memory (one CPU, 30 minutes; it reads records, not weights)
#   PARTITION, ACCOUNT   passed to sbatch when set
#   OPTIONS              further analysis options for the shards, e.g. "--include attention"
#   SMILE_INSPECT        the binary (default: smile-inspect on PATH), resolved to an absolute path here
#
# Everything the run writes goes beside the store, in STORE/slurm/: the settings (settings.env), the logs
# (logs/), one marker per finished shard (done/) and the job ids (jobs). The combine step runs when every
# task has ended, whether it succeeded or not; if one failed, was cancelled, preempted or timed out, the
# combine step exits 6 naming the layers still missing, and
#
#   examples/slurm/resume.sh STORE
#
# resubmits exactly the shards without a marker (they reuse every layer they had stored) and the combine.
# A request the partition can never satisfy (more CPUs, memory or time than it has) is cancelled here and
# reported, never left pending; a store whose jobs are still queued is refused.
set -euo pipefail
recipe=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
name=${0##*/}
fail() { echo "$name: $1" >&2; exit "${2:-64}"; }
# Refuses while jobs this store's runs submitted are still pending or running.
refuse_while_queued() {
    [ -f "$1/slurm/jobs" ] || return 0
    local jobs queued
    jobs=$(tr -s ' \n' ',,' < "$1/slurm/jobs")
    queued=$(squeue -h -j "${jobs%,}" -o '%i %T' 2>/dev/null || true)
    [ -z "$queued" ] || fail "jobs of this store are still queued (wait for them, or scancel them): $(echo "$queued" | paste -sd ' ')" 1
}

if [ "${1:-}" = --resume ]; then
    name=resume.sh
    [ $# -eq 2 ] || fail "usage: resume.sh STORE"
    settings=$(realpath -m -- "$2")/slurm/settings.env
    [ -f "$settings" ] || fail "$settings does not exist: $2 is not a store submit.sh wrote" 66
    # shellcheck source=/dev/null
    source "$settings"
    refuse_while_queued "$STORE"
    missing=()
    for ((shard = 0; shard < SHARDS; shard++)); do
        [ -e "$STORE/slurm/done/$shard" ] || missing+=("$shard")
    done
    indices=$(IFS=,; echo "${missing[*]}")
else
    [ $# -eq 0 ] || fail "usage: BASE=… MODELS=\"…\" STORE=… [SHARDS=4 CPUS=2 MEM=8G …] submit.sh (settings are environment variables)"
    [[ -n ${BASE:-} && -n ${MODELS:-} && -n ${STORE:-} ]] || fail "set BASE, MODELS and STORE"
    BASE=$(realpath -e -- "$BASE" 2>/dev/null) || fail "BASE $BASE does not exist" 66
    resolved=()
    for model in $MODELS; do
        path=$(realpath -e -- "$model" 2>/dev/null) || fail "model $model does not exist" 66
        resolved+=("$path")
    done
    MODELS="${resolved[*]}"
    STORE=$(realpath -m -- "$STORE")
    refuse_while_queued "$STORE"
    SMILE_INSPECT=$(command -v -- "${SMILE_INSPECT:-smile-inspect}") || fail "${SMILE_INSPECT:-smile-inspect} is not an executable (set SMILE_INSPECT)" 66
    SMILE_INSPECT=$(realpath -e -- "$SMILE_INSPECT")
    SHARDS=${SHARDS:-4} CPUS=${CPUS:-2} MEM=${MEM:-8G} TIME=${TIME:-04:00:00} COMBINE_MEM=${COMBINE_MEM:-2G}
    [[ $SHARDS =~ ^[1-9][0-9]*$ ]] || fail "SHARDS must be a positive integer, got \"$SHARDS\""
    [[ $CPUS =~ ^[1-9][0-9]*$ ]] || fail "CPUS must be a positive integer, got \"$CPUS\""
    mkdir -p "$STORE/slurm/logs" || fail "cannot create $STORE/slurm" 73
    rm -rf "$STORE/slurm/done" && mkdir "$STORE/slurm/done"
    : > "$STORE/slurm/jobs"
    settings=$STORE/slurm/settings.env
    for variable in BASE MODELS STORE SHARDS CPUS MEM TIME COMBINE_MEM PARTITION ACCOUNT OPTIONS MAX_MEMORY SMILE_INSPECT; do
        printf '%s=%q\n' "$variable" "${!variable:-}"
    done > "$settings"
    echo "RECIPE=$(printf '%q' "$recipe")" >> "$settings"
    indices=0-$((SHARDS - 1))
fi

scheduling=(--export=ALL ${PARTITION:+--partition="$PARTITION"} ${ACCOUNT:+--account="$ACCOUNT"})
logs=$STORE/slurm/logs
dependency=()
if [ -n "$indices" ]; then
    array=$(sbatch --parsable "${scheduling[@]}" --job-name=smile-shard --array="$indices" \
        --cpus-per-task="$CPUS" --mem="$MEM" --time="$TIME" --output="$logs/shard-%a-job-%A.out" \
        "$recipe/analyze.sbatch" "$settings") || fail "sbatch refused the shards (CPUS=$CPUS MEM=$MEM TIME=$TIME)" 1
    array=${array%%;*}
    echo "$array" >> "$STORE/slurm/jobs"
    dependency=(--dependency=afterany:"$array" --kill-on-invalid-dep=yes)
fi
combine=$(sbatch --parsable "${scheduling[@]}" --job-name=smile-combine "${dependency[@]}" \
    --cpus-per-task=1 --mem="$COMBINE_MEM" --time=00:30:00 --output="$logs/combine-job-%j.out" \
    "$recipe/combine.sbatch" "$settings") || fail "sbatch refused the combine step" 1
combine=${combine%%;*}
echo "$combine" >> "$STORE/slurm/jobs"

# A job the partition can never run keeps a reason such as PartitionConfig and waits forever: cancel it.
submitted=$(tr -s '\n' ',' < "$STORE/slurm/jobs")
for attempt in 1 2; do
    never=$(squeue -h -j "${submitted%,}" -o '%i %r' 2>/dev/null |
        grep -E ' (PartitionConfig|PartitionNodeLimit|PartitionTimeLimit|BadConstraints|InvalidAccount|InvalidQOS|DependencyNeverSatisfied)$' || true)
    if [ -n "$never" ]; then
        scancel ${array:+"$array"} "$combine"
        fail "the partition can never run these jobs ($(echo "$never" | paste -sd ' ')): lower CPUS=$CPUS, MEM=$MEM or TIME=$TIME (sinfo -o '%P %c %m %l' shows what it has); cancelled them" 1
    fi
    [ "$attempt" -eq 2 ] || sleep 2
done
if [ -n "$indices" ]; then
    echo "submitted shards $indices of $SHARDS as array job $array, and the combine step as job $combine; logs in $logs"
else
    echo "every shard has finished; submitted the combine step as job $combine; log in $logs"
fi
