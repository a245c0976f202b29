#!/usr/bin/env python3
"""Brute-force check of refined policies against iam-refine's catalog.

    check.py ORIGINAL FINDINGS REFINED:LABEL [REFINED:LABEL ...]

Expands every policy over all actions of iam-refine/data/catalog.tsv with a plain glob matcher
(case-insensitive, `*` any run, `?` one character; written independently of the Rust
code) and compares, per Allow statement and for the whole policy:

    expected = allowed(original) - unused      (unused: the findings' actions and
                                                wholly unused services)
    lost     = expected - allowed(refined)      kept actions the refined policy drops
    regrant  = allowed(refined) & unused        unused actions still allowed
    widened  = allowed(refined) - allowed(original)   actions never allowed before

A refined file that is empty (the tool said: detach) allows nothing. Statements are
matched by Sid when the original's Allow statements all have one, else by position.
"""

import bisect
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_catalog():
    names = []
    with open(os.path.join(ROOT, "iam-refine", "data", "catalog.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            service, action = line.rstrip("\n").split("\t")[:2]
            names.append("{}:{}".format(service, action).lower())
    return sorted(set(names))


CATALOG = load_catalog()
CATALOG_SET = set(CATALOG)


def unwrap(value):
    if isinstance(value, str):
        return unwrap(json.loads(value))
    if "Statement" in value:
        return value
    for key in ("PolicyVersion", "PolicyDocument", "Document"):
        if key in value:
            return unwrap(value[key])
    raise SystemExit("not a policy document")


def matches(pattern):
    """Catalog names matched by one pattern."""
    p = pattern.lower()
    if "*" not in p and "?" not in p:
        return {p} if p in CATALOG_SET else set()
    lit = re.split(r"[*?]", p, maxsplit=1)[0]
    lo = bisect.bisect_left(CATALOG, lit)
    rx = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p), re.S)
    out = set()
    for name in CATALOG[lo:]:
        if not name.startswith(lit):
            break
        if rx.fullmatch(name):
            out.add(name)
    return out


def as_list(v):
    return [v] if isinstance(v, str) else list(v)


def statement_allows(st):
    if st.get("Effect") != "Allow":
        return set()
    if "NotAction" in st:
        excluded = set()
        for p in as_list(st["NotAction"]):
            excluded |= matches(p)
        return CATALOG_SET - excluded
    out = set()
    for p in as_list(st.get("Action", [])):
        out |= matches(p)
    return out


def allow_statements(policy):
    sts = policy["Statement"]
    sts = [sts] if isinstance(sts, dict) else sts
    return [s for s in sts if s.get("Effect") == "Allow"]


def load_unused(path):
    actions, services = set(), set()

    def walk(v):
        if isinstance(v, list):
            for x in v:
                walk(x)
            return
        if "serviceNamespace" in v:
            ns = v["serviceNamespace"].lower()
            if v.get("actions") is None:
                services.add(ns)
                return
            for item in v["actions"]:
                name = item["action"] if isinstance(item, dict) else item
                actions.add("{}:{}".format(ns, name.split(":", 1)[-1].lower()))
            return
        for key in ("findingDetails", "unusedPermissionDetails", "findings"):
            if key in v:
                walk(v[key])
                return

    with open(path) as f:
        walk(json.load(f))
    unused = {a for a in actions if a in CATALOG_SET}
    for s in services:
        unused |= {n for n in CATALOG if n.startswith(s + ":")}
    return unused


def sample(s, k=6):
    s = sorted(s)
    return ", ".join(s[:k]) + (" ..." if len(s) > k else "")


def main():
    original = unwrap(json.load(open(sys.argv[1])))
    unused = load_unused(sys.argv[2])
    orig_sts = allow_statements(original)
    keyed = all("Sid" in s for s in orig_sts)
    orig_allowed = set().union(*(statement_allows(s) for s in orig_sts)) if orig_sts else set()
    expected = orig_allowed - unused
    print("catalog: {} actions; original allows {}, unused {}, expected after refining {}".format(
        len(CATALOG), len(orig_allowed), len(orig_allowed & unused), len(expected)))
    worst = 0
    for arg in sys.argv[3:]:
        path, _, label = arg.partition(":")
        text = open(path).read().strip()
        refined = unwrap(json.loads(text)) if text else {"Statement": []}
        ref_sts = allow_statements(refined)
        got = set().union(*(statement_allows(s) for s in ref_sts)) if ref_sts else set()
        lost, regrant, widened = expected - got, got & unused, got - orig_allowed
        print("{}: allows {}; lost {}; unused re-granted {}; widened {}".format(
            label, len(got), len(lost), len(regrant), len(widened)))
        for name, s in (("lost", lost), ("unused re-granted", regrant), ("widened", widened)):
            if s:
                print("  {}: {}".format(name, sample(s)))
        # Per statement.
        by_sid = {s.get("Sid"): s for s in ref_sts} if keyed else None
        for n, st in enumerate(orig_sts):
            want = statement_allows(st) - unused
            other = by_sid.get(st["Sid"]) if keyed else (ref_sts[n] if n < len(ref_sts) else None)
            have = statement_allows(other) if other else set()
            bad = (want - have) | (have - statement_allows(st)) | (have & unused)
            if bad:
                print("  statement {} ({}): {} differences, e.g. {}".format(
                    n + 1, st.get("Sid", "-"), len(bad), sample(bad, 4)))
        worst = max(worst, len(lost) + len(regrant) + len(widened))
    sys.exit(1 if worst else 0)


if __name__ == "__main__":
    main()
