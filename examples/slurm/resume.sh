#!/bin/bash
# Resubmits exactly the shards of a submit.sh run that did not finish (failed, cancelled, preempted, timed
# out: no marker in STORE/slurm/done/) with the run's own settings, and the combine step after them; with
# every shard done, only the combine step. Refuses while jobs of the run are still queued.
#
#   examples/slurm/resume.sh /shared/smile-store
exec "$(dirname "${BASH_SOURCE[0]}")/submit.sh" --resume "$@"
