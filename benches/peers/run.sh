#!/usr/bin/env bash
# iam-refine next to Netflix's policyuniverse, on the same policy + findings files.
#
#   benches/peers/run.sh [quick]
#
# For each case: both tools write their refined policy, check.py compares both with a
# brute-force expansion over iam-refine's catalog, peer_diagnose.py explains the peer's
# differences, and hyperfine times both as whole processes. `quick` skips the two large
# cases (ReadOnlyAccess and `*`), whose policyuniverse runs take tens of seconds each.
#
# Needs: python3 with `pip install policyuniverse`, hyperfine (`apt-get install -y
# hyperfine`), cargo. Builds into $CARGO_TARGET_DIR (default: target-bench). Results go to
# $OUT (default: a new temporary directory), printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEERS=$ROOT/benches/peers
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target-bench}
OUT=${OUT:-$(mktemp -d /tmp/iam-refine-peers.XXXXXX)}
mkdir -p "$OUT"

python3 -c 'import policyuniverse' 2>/dev/null || { echo "run.sh: pip install policyuniverse" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "run.sh: apt-get install -y hyperfine" >&2; exit 2; }

cargo build --release --quiet -p iam-refine-cli
OURS=$CARGO_TARGET_DIR/release/iam-refine
PEER="python3 $PEERS/policyuniverse_refine.py"
echo "policyuniverse $(python3 -c 'import importlib.metadata as m; print(m.version("policyuniverse"))')," \
     "iam-refine catalog $(sed -n 's/^# date: //p' "$ROOT/iam-refine/data/catalog.tsv")"

# The bench's fixed random findings for ReadOnlyAccess (10%) and `*` (1%).
cargo run --release --quiet -p iam-refine-benches --example profile -- write-inputs "$OUT/inputs" 2>/dev/null

cases=(
  "example|$ROOT/examples/policy.json|$ROOT/examples/unused.json|"
  "cloudwatch|$PEERS/cases/cloudwatch-policy.json|$PEERS/cases/cloudwatch-unused.json|"
  "cloudformation|$PEERS/cases/cloudformation-policy.json|$PEERS/cases/cloudformation-unused.json|"
)
if [ "${1:-}" != quick ]; then
  cases+=("readonly|$OUT/inputs/ReadOnlyAccess.json|$OUT/inputs/readonly-unused.json|--keep-unknown")
  cases+=("star|$OUT/inputs/star-policy.json|$OUT/inputs/star-unused.json|")
fi

for c in "${cases[@]}"; do
  IFS='|' read -r name policy unused peer_flags <<<"$c"
  echo
  echo "=== $name: $(basename "$policy") with $(basename "$unused")"
  "$OURS" refine -q "$policy" --unused "$unused" >"$OUT/$name.iam-refine.json" 2>"$OUT/$name.iam-refine.err" || true
  if [ -n "$peer_flags" ]; then
    # Without the workaround policyuniverse stops at the first action it does not know.
    $PEER "$policy" --unused "$unused" >/dev/null 2>"$OUT/$name.policyuniverse-plain.err" ||
      echo "policyuniverse without $peer_flags: $(tail -1 "$OUT/$name.policyuniverse-plain.err")"
  fi
  $PEER "$policy" --unused "$unused" $peer_flags >"$OUT/$name.policyuniverse.json" 2>"$OUT/$name.policyuniverse.err" ||
    echo "policyuniverse failed: $(tail -1 "$OUT/$name.policyuniverse.err")"
  python3 "$PEERS/check.py" "$policy" "$unused" \
    "$OUT/$name.iam-refine.json:iam-refine" "$OUT/$name.policyuniverse.json:policyuniverse" || true
  [ -s "$OUT/$name.policyuniverse.json" ] &&
    python3 "$PEERS/peer_diagnose.py" "$policy" "$unused" "$OUT/$name.policyuniverse.json" || true
  case $name in
    readonly|star) runs=(--runs 3 --warmup 0) ;;
    *) runs=(--runs 10 --warmup 1) ;;
  esac
  hyperfine -N "${runs[@]}" --export-markdown "$OUT/$name.hyperfine.md" \
    -n iam-refine "$OURS refine -q $policy --unused $unused" \
    -n policyuniverse "$PEER $policy --unused $unused $peer_flags" || true
done
echo
echo "run.sh: outputs in $OUT"
