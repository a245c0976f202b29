#!/usr/bin/env python3
"""Removes unused actions from an IAM policy the way Netflix's policyuniverse allows:
expand_policy, drop the unused actions, minimize each Allow statement.

    policyuniverse_refine.py POLICY --unused FINDINGS [--keep-unknown]

Takes the same inputs as `iam-refine refine POLICY --unused FINDINGS`: a policy in any
of the shapes `aws iam get-policy-version` / `get-role-policy` print or a bare document,
and unused-permission findings (`get-finding-v2` output or a list of
`{"serviceNamespace", "actions"}`; an entry without `actions` is a wholly unused service).
Writes the refined policy to stdout, like the CLI.

policyuniverse's `minimize_policy` raises on Deny statements, so Deny statements are left
as written and `minimize_statement_actions` (what `minimize_policy` calls for each
statement) is applied to each Allow statement. policyuniverse prints diagnostics to
stdout ("Action is a denied prefix ..."); they are sent to stderr so that stdout stays
JSON. An action its catalog does not know makes `minimize_statement_actions` raise
("Desired action not found in master permission list"); with `--keep-unknown` such
actions are set aside before minimizing and appended unchanged (a workaround, not part
of policyuniverse). Requires `pip install policyuniverse`.
"""

import argparse
import contextlib
import json
import sys

from policyuniverse import all_permissions
from policyuniverse.expander_minimizer import expand_policy, minimize_statement_actions


def unwrap(value):
    if isinstance(value, str):
        return unwrap(json.loads(value))
    if "Statement" in value:
        return value
    for key in ("PolicyVersion", "PolicyDocument", "Document"):
        if key in value:
            return unwrap(value[key])
    raise SystemExit("not a policy document")


def findings(value, actions, services):
    if isinstance(value, list):
        for item in value:
            findings(item, actions, services)
        return
    if "serviceNamespace" in value:
        ns = value["serviceNamespace"].lower()
        if value.get("actions") is None:
            services.add(ns)
            return
        for item in value["actions"]:
            name = item["action"] if isinstance(item, dict) else item
            bare = name.split(":", 1)[-1]
            actions.add("{}:{}".format(ns, bare.lower()))
        return
    for key in ("findingDetails", "unusedPermissionDetails", "findings"):
        if key in value:
            findings(value[key], actions, services)
            return
    raise SystemExit("not unused-permission findings")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("policy")
    ap.add_argument("--unused", required=True)
    ap.add_argument("--keep-unknown", action="store_true")
    args = ap.parse_args()
    with open(args.policy) as f:
        policy = unwrap(json.load(f))
    unused, services = set(), set()
    with open(args.unused) as f:
        findings(json.load(f), unused, services)

    expanded = expand_policy(policy=policy)
    statements = []
    for st in expanded["Statement"]:
        if st["Effect"] != "Allow":
            statements.append(st)
            continue
        kept = [
            a
            for a in st["Action"]
            if a not in unused and a.split(":", 1)[0] not in services
        ]
        if not kept:
            continue
        unknown = []
        if args.keep_unknown:
            unknown = [a for a in kept if a not in all_permissions]
            kept = [a for a in kept if a in all_permissions]
        actions = []
        if kept:
            st["Action"] = kept
            with contextlib.redirect_stdout(sys.stderr):
                actions = minimize_statement_actions(st)
        st["Action"] = actions + unknown
        statements.append(st)
    if not statements:
        print("policyuniverse_refine: every action is unused: detach the policy", file=sys.stderr)
        return
    expanded["Statement"] = statements
    json.dump(expanded, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
