#!/usr/bin/env bash
# The prover's cases on two Z3 versions with the same binaries: the system libz3 (Debian's
# 4.8.12, the oldest supported) and the newest libz3 of the `z3-solver` Python wheel, loaded
# through LD_LIBRARY_PATH. Prints one table: case, time on each, ratio.
#
#   bash benches/z3-versions.sh [WHEEL_DIR]
#
# WHEEL_DIR (default target/z3-wheel) receives `pip install --target` of z3-solver; set
# Z3_WHEEL_VERSION to pin one (e.g. 4.15.4.0). Needs the corpus for the corpus cases
# (IAM_REFINE_CORPUS or the shared checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
wheel_dir=${1:-target/z3-wheel}

cargo build --release --locked -p iam-refine-benches --example verify_classes --example verify_batch
# Wherever cargo puts them (CARGO_TARGET_DIR, a config's target-dir).
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
classes="$target_dir/release/examples/verify_classes"
batch="$target_dir/release/examples/verify_batch"

if [ ! -e "$wheel_dir/z3/lib/libz3.so" ]; then
    python3 -m pip install --quiet --target "$wheel_dir" "z3-solver${Z3_WHEEL_VERSION:+==$Z3_WHEEL_VERSION}"
fi
# The binary asks for the soname it was linked with (libz3.so.4 on Debian); point that name
# at the wheel's library.
soname=$(ldd "$classes" | awk '/libz3/ {print $1; exit}')
shim="$wheel_dir/shim"
mkdir -p "$shim"
ln -sf "$(realpath "$wheel_dir/z3/lib/libz3.so")" "$shim/$soname"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$classes" run 60 > "$out/system.txt"
LD_LIBRARY_PATH="$shim" "$classes" run 60 > "$out/wheel.txt"
"$batch" 1 2> "$out/system-batch.err" > "$out/system-batch.txt"
LD_LIBRARY_PATH="$shim" "$batch" 1 2> "$out/wheel-batch.err" > "$out/wheel-batch.txt"

python3 - "$out" <<'PY'
import re, sys, pathlib
out = pathlib.Path(sys.argv[1])
def cases(name):
    lines = (out / name).read_text().splitlines()
    version, rows = lines[0], {}
    for l in lines[1:]:
        m = re.match(r"^(.*?)\s+([0-9.]+) s\s+(\d+) queries\s+(.*)$", l)
        if m:
            rows[m.group(1)] = (float(m.group(2)), m.group(4))
    return version, rows
def batch(name):
    m = re.search(r"verified in ([0-9.]+) s wall.*max (\d+) ms; (\d+) not proved", (out / name).read_text())
    return (float(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
(v1, a), (v2, b) = cases("system.txt"), cases("wheel.txt")
print(f"| case | Z3 {v1} | Z3 {v2} | ratio |")
print("| --- | ---: | ---: | ---: |")
for k, (t, verdict) in a.items():
    u, verdict2 = b.get(k, (float("nan"), "?"))
    note = "" if verdict == verdict2 == "Proved" else f" ({verdict} / {verdict2})"
    print(f"| {k}{note} | {t:.3f} s | {u:.3f} s | {u / t if t else float('nan'):.2f} |")
x, y = batch("system-batch.txt"), batch("wheel-batch.txt")
if x and y:
    print(f"| all corpus policies, random findings, one thread (wall; max per policy) | {x[0]:.2f} s; {x[1]} ms | {y[0]:.2f} s; {y[1]} ms | {y[0] / x[0]:.2f} |")
    if x[2] or y[2]:
        print(f"not proved: {x[2]} on the system Z3, {y[2]} on the wheel's")
PY
