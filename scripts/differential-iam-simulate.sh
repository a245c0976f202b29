#!/usr/bin/env bash
# Differential sweep of iam-refine's concrete evaluator (`iam-refine simulate`, the
# library's `iam_refine::request`) against an independent IAM evaluator that no one here
# wrote: the npm package @cloud-copilot/iam-simulate (AGPL-3.0; installed outside the
# repository's sources, run as an external oracle, never vendored or copied).
#
#   scripts/differential-iam-simulate.sh [CASES [SEED]]     (default 10000 cases, seed 1)
#
# Needs node and npm. Two sweeps of CASES requests each: random requests over the corpus's
# identity policies (tests/data), biased to hit their actions, resources and condition
# values (the brute-force universe of `iam_refine_tests::Universe`, one case in five with
# two policies together); and small synthetic policies over every operator family the
# corpus hardly uses (Numeric, Date, Bool, Binary, IPv4/IPv6, Arn, IfExists, set operators,
# Null, variables, Version 2008-10-17, dates to the nanosecond, mid-segment resource
# wildcards). Both evaluators decide each. A request ours calls undetermined (its decision
# depends on clauses AWS's documentation does not decide: docs/semantics.md, rules U1 to U4)
# claims nothing, so it is no disagreement: it is counted apart, by rule, with what
# iam-simulate answered; so is a deny of ours that is explicit or not depending on an
# undetermined Deny, which iam-simulate calls explicit (agreed: denied). Every disagreement
# is cut down to the construct the two differ on and classified
# (scripts/iam-simulate-driver.mjs, which documents each class with AWS's documentation):
#   their-bug:   iam-simulate departs from AWS's documented rules;
#   spec-choice: docs/semantics.md decides what AWS's documentation leaves open;
#   scope:       iam-simulate models more than identity-based policies;
#   unexplained: none of these: a bug to find (the script exits 1).
# The disagreements are written to target/iam-simulate/disagreements-{corpus,synthetic}.jsonl.
set -euo pipefail

cases=${1:-10000}
seed=${2:-1}
version=0.1.173
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target/iam-simulate"
mkdir -p "$work"

if [ ! -f "$work/node_modules/@cloud-copilot/iam-simulate/package.json" ] ||
    ! grep -q "\"version\": \"$version\"" "$work/node_modules/@cloud-copilot/iam-simulate/package.json"; then
    echo "installing @cloud-copilot/iam-simulate@$version into $work" >&2
    (cd "$work" && [ -f package.json ] || echo '{"private": true}' > package.json)
    npm install --prefix "$work" --no-audit --no-fund --silent "@cloud-copilot/iam-simulate@$version" >&2
fi

cd "$root"
cargo build --release --locked -q -p iam-refine-cli
cargo build --release --locked -q -p iam-refine-tests --example differential_requests
status=0
for mode in corpus synthetic; do
    echo "== $mode"
    "$root/target/release/examples/differential_requests" "$cases" "$seed" "$mode" > "$work/cases-$mode.jsonl"
    node "$root/scripts/iam-simulate-driver.mjs" "$work" "$work/cases-$mode.jsonl" \
        "$work/disagreements-$mode.jsonl" "$root/target/release/iam-refine" || status=1
done
exit $status
