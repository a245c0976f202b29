#!/usr/bin/env python3
"""Explains where a policyuniverse result differs from the brute-force expectation.

    peer_diagnose.py ORIGINAL FINDINGS PEER_OUTPUT

Uses check.py's catalog and matcher (iam-refine's iam-refine/data/catalog.tsv) and policyuniverse's
own catalog (`policyuniverse.all_permissions`) to sort each difference by cause:

- lost, known to policyuniverse, with an exact entry of the output that is a proper
  prefix of the lost name: the minimizer wrote a kept action without `*` where the
  shortest safe prefix happened to equal that action, dropping the longer kept actions;
- lost, unknown to policyuniverse: its catalog predates the action, so `expand_policy`
  never produced it;
- unused re-granted / widened: which output wildcard grants it, and whether
  policyuniverse knows the action (a prefix computed as safe over its catalog covers
  actions published later).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
from policyuniverse import all_permissions  # noqa: E402


def main():
    import json

    original = check.unwrap(json.load(open(sys.argv[1])))
    unused = check.load_unused(sys.argv[2])
    peer = check.unwrap(json.load(open(sys.argv[3])))
    orig_allowed = set().union(*(check.statement_allows(s) for s in check.allow_statements(original)))
    entries = [e.lower() for s in check.allow_statements(peer) for e in check.as_list(s.get("Action", []))]
    got = set().union(*(check.statement_allows(s) for s in check.allow_statements(peer)))
    expected = orig_allowed - unused
    lost = sorted(expected - got)
    exact = [e for e in entries if "*" not in e and "?" not in e]
    known_lost = [a for a in lost if a in all_permissions]
    unknown_lost = [a for a in lost if a not in all_permissions]
    print("policyuniverse catalog: {} actions; iam-refine catalog: {}".format(len(all_permissions), len(check.CATALOG)))
    print("lost: {} ({} unknown to policyuniverse, {} known)".format(len(lost), len(unknown_lost), len(known_lost)))
    if unknown_lost:
        print("  unknown to policyuniverse, e.g.: " + check.sample(unknown_lost, 8))
    by_entry = {}
    for a in known_lost:
        cause = [e for e in exact if a.startswith(e) and a != e]
        by_entry.setdefault(cause[0] if cause else "(no exact prefix entry)", []).append(a)
    for e, acts in sorted(by_entry.items()):
        print("  known, lost behind the exact entry `{}`: {}".format(e, check.sample(acts, 8)))
    for label, s in (("unused re-granted", got & unused), ("widened (never allowed before)", got - orig_allowed)):
        s = sorted(s)
        if not s:
            continue
        unknown = sum(1 for a in s if a not in all_permissions)
        print("{}: {} ({} unknown to policyuniverse)".format(label, len(s), unknown))
        for a in s[:8]:
            grants = [e for e in entries if check.matches(e) and a in check.matches(e)]
            print("  {} <- {}{}".format(a, ", ".join(grants[:2]), "" if a in all_permissions else "  [not in policyuniverse's catalog]"))


if __name__ == "__main__":
    main()
