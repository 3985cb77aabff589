#!/usr/bin/env bash
# Runs smile-inspect on the real all-MiniLM-L6-v2 family beside this repository (../shared/models/minilm-l6):
# the whole-model report with figures, one layer in detail, and the verdicts for the full and LoRA families.
set -euo pipefail
cd "$(dirname "$0")/.."
M=${SMILE_MINILM_DIR:-../shared/models/minilm-l6}
OUT=${1:-minilm-report}
[ -f "$M/base/model.safetensors" ] || { echo "no MiniLM family at $M" >&2; exit 3; }
mkdir -p "$OUT"
swift build -c release --product smile-inspect >/dev/null
BIN=$(swift build -c release --show-bin-path)/smile-inspect

"$BIN" list "$M/lora-mansec"
"$BIN" model --base "$M/base" --models "$M/full-mansec" "$M/full-codelang" "$M/full-pyeco" \
    --name mansec codelang pyeco --plots "$OUT/figures" -o "$OUT/full-family.txt"
"$BIN" layer --base "$M/base" --models "$M/full-mansec" "$M/full-codelang" "$M/full-pyeco" \
    --name mansec codelang pyeco --layer layer.5.intermediate.dense --low-fraction 0.9 --plots "$OUT/figures"
for family in full lora; do
    status=0
    "$BIN" mergeable --quiet --base "$M/base" --models "$M/$family-mansec" "$M/$family-codelang" "$M/$family-pyeco" || status=$?
    echo "$family family: mergeable exit status $status (0 mergeable, 1 risky, 2 not mergeable)"
done
echo "reports and figures in $OUT/"
