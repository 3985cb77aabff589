#!/usr/bin/env bash
# One row of benchmarks/realtasks-smile.md: upscale the realtasks family with the given flags, score it with
# ../shared/realtasks/evaluate.py smile, append the numbers to $LOG (tab-separated).
#   benchmarks/realtasks_smile.sh NAME full|lora [upscale flags...]
# Env: SMILE (the smile-inspect binary, default .build/debug/smile-inspect), LOG (default
# /tmp/realtasks-smile.tsv), LIMIT (evaluate.py --limit, default all), SCORER (evaluate: evaluate.py smile, the
# default; hf: benchmarks/realtasks_hf.py, the output loaded with AutoModel trust_remote_code — for --layout hf,
# which --routing sequence needs), REALTASKS_* as in the harness README.
set -euo pipefail
NAME=$1; FAMILY=$2; shift 2
SMILE=${SMILE:-.build/debug/smile-inspect}
LOG=${LOG:-/tmp/realtasks-smile.tsv}
FAM=${REALTASKS_FAMILY:-/tmp/realtasks-family}
BASE=${REALTASKS_BASE:-/tmp/realtasks-minilm}
PY=${REALTASKS_VENV:-/tmp/realtasks-venv}/bin/python
EVAL=$(cd "$(dirname "$0")/.." && pwd)/../../shared/realtasks/evaluate.py
[ -f "$EVAL" ] || EVAL=/work/shared/realtasks/evaluate.py
case ${SCORER:-evaluate} in
    evaluate) SCORE=("$EVAL" smile) ;;
    hf) SCORE=("$(cd "$(dirname "$0")" && pwd)/realtasks_hf.py") ;;
    *) echo "SCORER must be evaluate or hf" >&2; exit 64 ;;
esac
OUT=/tmp/realtasks-smile-out/$NAME
mkdir -p /tmp/realtasks-smile-out
"$SMILE" upscale --base "$BASE" --models "$FAM/$FAMILY/mansec" "$FAM/$FAMILY/codelang" "$FAM/$FAMILY/pyeco" \
    --out "$OUT" --force --quiet --format json "$@" > "$OUT.report.json"
"$PY" "${SCORE[@]}" "$OUT" --family "$FAMILY" --json "$OUT.eval.json" ${LIMIT:+--limit $LIMIT} > "$OUT.eval.txt"
"$PY" - "$NAME" "$FAMILY" "$OUT" "$*" "$LOG" <<'PY'
import json, sys
name, family, out, flags, log = sys.argv[1:]
r = json.load(open(out + ".eval.json")); c = json.load(open(out + "/smile_config.json"))
layers = c["modules"]; base = sum(m["parameters"]["base"] for m in layers); up = sum(m["parameters"]["upscaled"] for m in layers)
t = r["tasks"]; order = ["mansec", "codelang", "pyeco"]
row = [name, family, flags, f"{(up - base) / base:.3f}"] + [f"{t[k]['normalized']:.3f}" for k in order] + [f"{r['mean_normalized']:.3f}"] \
    + [f"{t[k]['routed_to_own_expert']:.3f}" for k in order] + [f"{r['mean_routed_to_own_expert']:.3f}", str(r.get("limit") or "all")]
open(log, "a").write("\t".join(row) + "\n")
print("\t".join(row))
PY
