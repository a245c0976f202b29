#!/usr/bin/env python3
"""Refresh tests/data/aws-managed-policies.jsonl, the corpus of AWS managed policies that
the tests and benchmarks read (one policy per line, minified, sorted by name).

Each line is `{"name": NAME, "policy": {"PolicyVersion": {...}}}`: the policy's name and
what `aws iam get-policy-version` prints for its default version.

The source is one of:

- a directory of `get-policy-version` outputs, one `NAME.json` per policy (the shape of
  `../shared/corpus/aws-managed-policies`);
- a checkout of the MIT-licensed iann0036/iam-dataset, or its `aws/managedpolicies/`
  folder: one JSON file per managed policy with `name`, `document`, `version`,
  `updatedate` and `deprecated`; deprecated policies are left out;
- the URL of that repository, which is cloned (shallow) into a temporary folder.

Usage:
    python3 scripts/update-corpus.py DIR --date 2026-08-22
    python3 scripts/update-corpus.py ~/src/iam-dataset            # date: its last commit
    python3 scripts/update-corpus.py https://github.com/iann0036/iam-dataset

The snapshot line of tests/data/README.md is rewritten with the date and the count. Input
that the Rust side could read differently from Python is refused rather than rewritten: a
duplicate key anywhere, or a number whose text would change (`1e3`, `1.0000000000000001`).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "aws-managed-policies.jsonl")
README = os.path.join(ROOT, "tests", "data", "README.md")
SNAPSHOT_LINE = re.compile(r"^Snapshot: .*$", re.MULTILINE)


class Refused(Exception):
    pass


def strict_load(path):
    """json.load that refuses duplicate keys and numbers that would not round-trip."""

    def pairs(items):
        keys = [k for k, _ in items]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise Refused(f"{path}: duplicate key {dup[0]!r}")
        return dict(items)

    def number(text):
        value = float(text)
        if repr(value) != text:
            raise Refused(f"{path}: number {text} would be rewritten as {value!r}")
        return value

    def integer(text):
        if str(int(text)) != text:
            raise Refused(f"{path}: number {text} would be rewritten as {int(text)}")
        return int(text)

    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=pairs, parse_float=number, parse_int=integer)


def from_policy_version(path, data):
    name = os.path.splitext(os.path.basename(path))[0]
    version = data.get("PolicyVersion")
    if not isinstance(version, dict) or not isinstance(version.get("Document"), dict):
        raise Refused(f"{path}: no PolicyVersion.Document")
    return name, {"PolicyVersion": version}


def from_iam_dataset(path, data):
    """iam-dataset's record of one managed policy, as get-policy-version would print it."""
    if data.get("deprecated"):
        return None
    for key in ("name", "document", "version"):
        if key not in data:
            raise Refused(f"{path}: no {key!r}")
    version = {
        "Document": data["document"],
        "VersionId": data["version"],
        "IsDefaultVersion": True,
        "CreateDate": data.get("updatedate") or data.get("createdate"),
    }
    return data["name"], {"PolicyVersion": version}


def policy_files(source):
    """The folder holding one JSON file per policy, given a repository or that folder."""
    nested = os.path.join(source, "aws", "managedpolicies")
    folder = nested if os.path.isdir(nested) else source
    files = sorted(
        os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".json")
    )
    if not files:
        raise Refused(f"{folder}: no .json files")
    return files


def read_corpus(source):
    policies = {}
    for path in policy_files(source):
        data = strict_load(path)
        if not isinstance(data, dict):
            raise Refused(f"{path}: not a JSON object")
        entry = (
            from_policy_version(path, data)
            if "PolicyVersion" in data
            else from_iam_dataset(path, data)
        )
        if entry is None:
            continue
        name, policy = entry
        if name in policies:
            raise Refused(f"{path}: policy {name!r} appears twice")
        policies[name] = policy
    return policies


def git_date(folder):
    try:
        out = subprocess.run(
            ["git", "-C", folder, "log", "-1", "--format=%cs"],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="a folder of policy files, an iam-dataset checkout, or its URL")
    parser.add_argument("--date", help="snapshot date, YYYY-MM-DD (default: the checkout's last commit)")
    parser.add_argument("--out", default=OUT, help="the JSON-lines file to write")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = args.source
        if re.match(r"^(https?|git|ssh)://", source) or source.startswith("git@"):
            clone = os.path.join(tmp, "iam-dataset")
            subprocess.run(["git", "clone", "--depth", "1", "--quiet", source, clone], check=True)
            source = clone
        if not os.path.isdir(source):
            raise Refused(f"{source}: not a folder")
        policies = read_corpus(source)
        date = args.date or git_date(source)
    if not date or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise Refused("give the snapshot's date with --date YYYY-MM-DD")

    lines = [
        json.dumps({"name": n, "policy": policies[n]}, separators=(",", ":"), ensure_ascii=False)
        for n in sorted(policies)
    ]
    write_atomically(args.out, "\n".join(lines) + "\n")
    size = os.path.getsize(args.out)
    print(f"wrote {len(lines):,} policies ({size:,} bytes) to {os.path.relpath(args.out)}")

    if os.path.abspath(args.out) == OUT and os.path.exists(README):
        with open(README, encoding="utf-8") as f:
            readme = f.read()
        line = f"Snapshot: {date}, {len(lines):,} policies."
        new, n = SNAPSHOT_LINE.subn(line, readme, count=1)
        if n == 1:
            write_atomically(README, new)
            print(f"updated {os.path.relpath(README)}: {line}")
        else:
            print(f"warning: no 'Snapshot:' line in {os.path.relpath(README)}", file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except Refused as e:
        print(f"update-corpus: {e}", file=sys.stderr)
        sys.exit(1)
