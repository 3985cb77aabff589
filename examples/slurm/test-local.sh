#!/bin/bash
# Runs this recipe on a real, throwaway single-node Slurm on this machine and checks that it recovers.
# As root on Debian (installs slurmctld, slurmd and munge when missing):
#
#   examples/slurm/test-local.sh            # builds smile-inspect with swift build (or set SMILE_INSPECT)
#   FAMILY=../shared/models/minilm-l6 SHARDS=4 examples/slurm/test-local.sh
#
# 1. starts munged, slurmctld and slurmd from a slurm.conf in a temporary directory (node `localhost` with
#    this machine's CPUs and memory, cons_tres, its own ports and state: nothing outside the directory);
# 2. checks that a request the node can never satisfy (CPUS beyond the node) fails at submission and leaves
#    no job behind;
# 3. runs submit.sh with the defaults and SHARDS shards on FAMILY's base and full fine-tunes, given as
#    paths relative to the directory it is run from; cancels one shard task as soon as one is running and
#    has stored a layer;
# 4. checks that the combine step still ran and exited 6, runs resume.sh, checks it resubmitted exactly the
#    cancelled shard and that the new combine step succeeded;
# 5. compares the combined report.json with `model --format json` run in one process (all fields but the
#    `performance` timings), checks that no job is left and that nothing was written into the recipe's
#    folder, and stops the cluster (also on failure).
set -euo pipefail
started=$(date +%s)
recipe=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repository=$(cd "$recipe/../.." && pwd)
FAMILY=${FAMILY:-$repository/../shared/models/minilm-l6}
SHARDS=${SHARDS:-4}
say() { echo "[$(($(date +%s) - started))s] $*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root: it starts slurmctld, slurmd and munged"
if [ ! -d "$FAMILY/base" ]; then
    say "SKIP: no family at $FAMILY (set FAMILY to a directory with base/ and full-codelang/, full-mansec/, full-pyeco/)"
    exit 0
fi
if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null || ! command -v munged > /dev/null || ! command -v jq > /dev/null; then
    say "installing slurmctld slurmd munge jq from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd munge jq > /dev/null
fi
if [ -z "${SMILE_INSPECT:-}" ]; then
    say "building smile-inspect"
    swift build --package-path "$repository" --product smile-inspect > /dev/null
    SMILE_INSPECT=$(swift build --package-path "$repository" --show-bin-path)/smile-inspect
fi
export SMILE_INSPECT
say "smile-inspect: $SMILE_INSPECT; $(slurmctld -V)"

recipe_files=$(find "$recipe" | sort)
work=$(mktemp -d /tmp/smile-slurm-test.XXXXXX)
cluster=$work/cluster
mkdir -p "$cluster/munge" "$cluster/state" "$cluster/spool"
export SLURM_CONF=$cluster/slurm.conf

stop_cluster() {
    local status=$?
    set +e
    if [ -f "$cluster/slurmctld.pid" ]; then
        local jobs
        jobs=$(squeue -h -o %i 2> /dev/null)
        # shellcheck disable=SC2086
        [ -z "$jobs" ] || scancel $jobs 2> /dev/null
    fi
    for daemon in slurmd slurmctld munge/munged; do
        local pid
        pid=$(cat "$cluster/$daemon.pid" 2> /dev/null) || continue
        kill "$pid" 2> /dev/null
        for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2> /dev/null && { say "$daemon (pid $pid) did not stop; killing it"; kill -9 "$pid"; }
    done
    if [ "$status" -eq 0 ]; then
        rm -rf "$work"
    else
        say "kept $work (logs: $cluster/*.log, $work/store/slurm/logs/)"
    fi
    say "cluster stopped; exit status $status"
}
trap stop_cluster EXIT

# The node as slurmd sees this machine, named localhost, 256 MB of its memory kept for the system.
node=$(slurmd -C | head -1)
memory=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<< "$node")
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<< "$node")
cat > "$SLURM_CONF" <<EOF
ClusterName=smiletest
SlurmctldHost=$(hostname -s)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$cluster/munge/munge.socket
SlurmctldPort=${SLURMCTLD_PORT:-16817}
SlurmdPort=${SLURMD_PORT:-16818}
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/slurmctld.log
SlurmdLogFile=$cluster/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
$(sed -e 's/^NodeName=[^ ]*/NodeName=localhost NodeAddr=127.0.0.1/' -e "s/RealMemory=[0-9]*/RealMemory=$((memory - 256))/" <<< "$node") State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
munged --force --socket="$cluster/munge/munge.socket" --pid-file="$cluster/munge/munged.pid" \
    --log-file="$cluster/munge/munged.log" --seed-file="$cluster/munge/munge.seed"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 100); do
    [ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && break
    sleep 0.2
done
[ "$(sinfo -h -o %T)" = idle ] || fail "the node did not come up: $(sinfo -h -o '%T %E')"
say "single-node Slurm up: $cpus CPUs, $((memory - 256)) MB"

# Relative paths, resolved by submit.sh before anything changes directory.
cd "$work"
family=$(realpath --relative-to="$work" "$FAMILY")
base=$family/base
models="$family/full-codelang $family/full-mansec $family/full-pyeco"

# What the node can never give is refused at submission, and nothing is left pending.
if BASE=$base MODELS=$models STORE=impossible CPUS=$((cpus + 1)) "$recipe/submit.sh" 2> impossible.err; then
    fail "submit.sh accepted CPUS=$((cpus + 1)) on a $cpus-CPU node"
fi
[ -z "$(squeue -h -o %i)" ] || fail "jobs left pending after a refused submission: $(squeue -h)"
say "CPUS=$((cpus + 1)) refused, nothing left queued: $(tail -1 impossible.err)"
if BASE=$base MODELS=$models STORE=impossible MEM=$((2 * memory))M "$recipe/submit.sh" 2> impossible.err; then
    fail "submit.sh accepted MEM=$((2 * memory))M on a $memory MB node"
fi
[ -z "$(squeue -h -o %i)" ] || fail "jobs left pending after a refused submission: $(squeue -h)"
say "MEM=$((2 * memory))M refused, nothing left queued: $(tail -1 impossible.err)"

say "submit.sh with SHARDS=$SHARDS and the default resources"
BASE=$base MODELS=$models STORE=store SHARDS=$SHARDS "$recipe/submit.sh" | tee submit.out
array=$(head -1 store/slurm/jobs)
combine=$(sed -n 2p store/slurm/jobs)
if "$recipe/resume.sh" store 2> early.err; then fail "resume.sh resubmitted while the run's jobs were queued"; fi
say "resume.sh refused while the jobs run: $(cut -c1-100 early.err)…"

# Cancel one task while it runs, once the store holds a layer (so the resumed shard has some to reuse).
cancelled=
for _ in $(seq 600); do
    running=$(squeue -h -j "$array" -t RUNNING -o %K | head -1)
    if [ -n "$running" ] && compgen -G "store/records/*" > /dev/null; then
        scancel "${array}_$running"
        cancelled=$running
        break
    fi
    [ -n "$(squeue -h -j "$array" -o %i 2> /dev/null)" ] || break
    sleep 0.1
done
[ -n "$cancelled" ] || fail "no shard task was seen running"
say "cancelled shard $cancelled (array task ${array}_$cancelled) while it was running"

wait_for() {
    for _ in $(seq 1800); do
        [ -n "$(squeue -h -j "$1" -o %i 2> /dev/null)" ] || return 0
        sleep 0.2
    done
    fail "job $1 still queued after 6 minutes: $(squeue -h -j "$1" -o '%i %T %r')"
}
exit_code() { scontrol show job "$1" | sed -n 's/.* ExitCode=\([0-9]*\):.*/\1/p'; }
wait_for "$combine"
[ "$(exit_code "$combine")" = 6 ] || fail "the combine step $combine exited $(exit_code "$combine"), not 6: $(cat store/slurm/logs/combine-job-"$combine".out)"
grep -q "resume.sh" store/slurm/logs/combine-job-"$combine".out || fail "the combine step's log does not name resume.sh"
say "combine step $combine ran after the cancelled task and exited 6: $(grep -c . store/slurm/logs/combine-job-"$combine".out) log lines, e.g. $(grep -m1 warning store/slurm/logs/combine-job-"$combine".out | cut -c1-120)…"
say "done markers: $(cd store/slurm/done && echo *)"

say "resume.sh store"
"$recipe/resume.sh" store | tee resume.out
grep -q "submitted shards $cancelled of $SHARDS " resume.out || fail "resume.sh did not resubmit exactly shard $cancelled"
combine=$(tail -1 store/slurm/jobs)
wait_for "$combine"
[ "$(exit_code "$combine")" = 0 ] || fail "the resumed combine step $combine exited $(exit_code "$combine"): $(cat store/slurm/logs/combine-job-"$combine".out)"
say "$(tail -1 store/slurm/logs/combine-job-"$combine".out)"
for log in store/slurm/logs/shard-"$cancelled"-*.out; do sed "s|^|  $log: |" "$log"; done
grep -q "^shard $cancelled/$SHARDS done" store/slurm/logs/shard-"$cancelled"-job-"$(sed -n 3p store/slurm/jobs)".out ||
    fail "the resubmitted task did not run shard $cancelled/$SHARDS"

# shellcheck disable=SC2046,SC2086
"$SMILE_INSPECT" model --base "$(realpath "$base")" --models $(realpath $models) --format json --quiet > single.json
jq -S 'del(.performance, .compatibility)' single.json > single.normalized.json
jq -S 'del(.performance, .compatibility)' store/report.json > combined.normalized.json
diff -q single.normalized.json combined.normalized.json > /dev/null ||
    fail "the combined report differs from the single-process one: $(diff single.normalized.json combined.normalized.json | head -20)"
say "combined report.json = single-process model --format json ($(jq '.layers | length' single.json) layers, $(wc -c < single.normalized.json) bytes compared; only performance and compatibility differ: a store-alone report has no inputs to check)"
[ -z "$(squeue -h -o %i)" ] || fail "jobs left in the queue: $(squeue -h)"
[ "$(find "$recipe" | sort)" = "$recipe_files" ] || fail "the recipe wrote into its own folder: $(diff <(echo "$recipe_files") <(find "$recipe" | sort))"
say "PASS: no job left, nothing written into $recipe"
