#!/usr/bin/env bash
# Start-up against the process floor (issue 10's target: whole-process `refine` of the
# example at most 2x a Rust hello-world, measured in the same run). Times, with hyperfine
# (Debian's package), as whole processes:
#   a hello-world built with this rustc at -O;
#   `iam-refine refine` on the example (the binary without Z3);
#   the same run by `iam-refine-prover` (the one linking libz3: what start-up cost before);
#   `iam-refine refine --verify` (handed over to the prover) and the prover alone.
#
#   bash benches/startup.sh [RUNS]        # RUNS per command, default 200
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
command -v hyperfine >/dev/null || { echo "startup.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

cargo build --release --locked -p iam-refine-cli -p iam-refine-prover
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/release/iam-refine"
prover="$target_dir/release/iam-refine-prover"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'fn main() { println!("hello"); }\n' > "$work/hello.rs"
rustc -O "$work/hello.rs" -o "$work/hello"

args="refine examples/policy.json --unused examples/unused.json"
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/start.json" \
    -n hello-world "$work/hello" \
    -n iam-refine "$bin $args" \
    -n "iam-refine-prover (links libz3)" "$prover $args" \
    -n "iam-refine --verify (handed over)" "$bin $args --verify" \
    -n "iam-refine-prover --verify" "$prover $args --verify" >&2

python3 - "$work/start.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
floor = results[0]["mean"]
print(f"{'command':<36} {'mean':>9} {'vs hello-world':>15}")
for r in results:
    print(f"{r['command']:<36} {r['mean'] * 1e3:>7.2f}ms {r['mean'] / floor:>14.2f}x")
PY
