#!/usr/bin/env python3
"""Builds a synthetic AWS account from the vendored corpus of AWS managed policies, in the
shapes the AWS CLI prints, for end-to-end runs and measurements of `iam-refine account`.

    python3 scripts/synthetic-account.py OUT_DIR [--roles 2000] [--users 50] [--seed 7]
                                                 [--accounts N]

writes
    OUT_DIR/auth.json       `aws iam get-account-authorization-details` output (two pages,
                            concatenated, as `--no-paginate`-less runs print them)
    OUT_DIR/findings/       one `aws accessanalyzer get-finding-v2` output per principal
    OUT_DIR/findings.jsonl  the same findings as JSON lines

With `--accounts N`, an organisation of N such accounts (ids 100000000001, ...; each with
`--roles` roles and `--users` users, the same names in every account, so that findings are
told apart by ARN only), for `iam-refine account OUT_DIR/exports --findings ...`:
    OUT_DIR/exports/<id>.json  each account's export
    OUT_DIR/findings.jsonl     every account's findings, in one file, as an organisation's
                               analyzer reports them

Every role carries 1-5 attached AWS managed policies (some also a customer managed one or
an inline one); every principal has an `UnusedPermission` finding naming a random share of
the catalog actions its policies allow (sometimes whole services), and about 2 % of the
roles an `UnusedIAMRole` finding instead. Deterministic for a given seed.
"""

import argparse
import json
import os
import random
import re
import sys
import urllib.parse
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ACCOUNT = "123456789012"


def load_corpus():
    """(name, document) of every vendored corpus policy, or of ../shared's folder."""
    jsonl = os.path.join(ROOT, "tests", "data", "aws-managed-policies.jsonl")
    out = []
    if os.path.exists(jsonl):
        with open(jsonl) as f:
            for line in f:
                if not line.strip():
                    continue
                row = json.loads(line)
                doc = row.get("document") or row.get("Document") or row.get("policy") or row
                if "PolicyVersion" in doc:
                    doc = doc["PolicyVersion"]["Document"]
                out.append((row.get("name") or row.get("Name"), doc))
        return out
    folder = os.path.join(ROOT, "..", "shared", "corpus", "aws-managed-policies")
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".json"):
            with open(os.path.join(folder, entry)) as f:
                out.append((entry[:-5], json.load(f)["PolicyVersion"]["Document"]))
    return out


def load_catalog():
    names = []
    with open(os.path.join(ROOT, "iam-refine", "data", "catalog.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            service, action = line.rstrip("\n").split("\t")[:2]
            names.append(f"{service}:{action}")
    return names


def glob_re(pattern):
    out = ["^"]
    for c in pattern.lower():
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
    out.append("$")
    return re.compile("".join(out), re.S)


class Catalog:
    def __init__(self, names):
        self.names = names
        self.by_service = {}
        for n in names:
            self.by_service.setdefault(n.split(":", 1)[0].lower(), []).append(n)
        self.cache = {}

    def matching(self, pattern):
        low = pattern.lower()
        if low in self.cache:
            return self.cache[low]
        service = low.split(":", 1)[0] if ":" in low else None
        if service is not None and "*" not in service and "?" not in service:
            pool = self.by_service.get(service, [])
        else:
            pool = self.names
        rx = glob_re(low)
        hit = [n for n in pool if rx.match(n.lower())]
        self.cache[low] = hit
        return hit


def statements(doc):
    s = doc.get("Statement", [])
    return [s] if isinstance(s, dict) else s


def allowed_actions(doc, catalog):
    out = set()
    for s in statements(doc):
        if s.get("Effect") != "Allow" or "Action" not in s:
            continue
        acts = s["Action"]
        for p in [acts] if isinstance(acts, str) else acts:
            if p == "*":
                continue  # a whole-catalog grant: findings would be huge; leave it be
            out.update(catalog.matching(p))
    return out


def finding(arn, kind, unused_by_service, rng, account):
    details = []
    for service, actions in sorted(unused_by_service.items()):
        if actions is None:
            details.append(
                {
                    "unusedPermissionDetails": {
                        "serviceNamespace": service,
                        "lastAccessed": "2025-01-15T10:00:00Z",
                    }
                }
            )
            continue
        details.append(
            {
                "unusedPermissionDetails": {
                    "serviceNamespace": service,
                    "actions": [
                        {"action": a}
                        if rng.random() < 0.5
                        else {"action": a, "lastAccessed": "2025-02-01T08:00:00Z"}
                        for a in sorted(actions)
                    ],
                    "lastAccessed": "2025-03-01T00:00:00Z",
                }
            }
        )
    out = {
        "analyzedAt": "2026-11-30T12:00:00Z",
        "createdAt": "2026-11-01T12:00:00Z",
        "id": f"{zlib.crc32(arn.encode()):012d}-0000-4000-8000-{rng.randrange(16**12):012x}",
        "resource": arn,
        "resourceType": "AWS::IAM::Role" if ":role/" in arn else "AWS::IAM::User",
        "resourceOwnerAccount": account,
        "status": "ACTIVE",
        "updatedAt": "2026-11-30T12:00:00Z",
        "findingDetails": [] if kind == "UnusedIAMRole" else details,
        "findingType": kind,
    }
    if kind == "UnusedIAMRole":
        out["findingDetails"] = [{"unusedIamRoleDetails": {"lastAccessed": "2025-06-01T00:00:00Z"}}]
    return out


def random_unused(allowed, rng):
    by_service = {}
    share = rng.choice([0.02, 0.1, 0.3, 0.6])
    for a in sorted(allowed):  # a set's order changes with PYTHONHASHSEED
        if rng.random() < share:
            s, name = a.split(":", 1)
            by_service.setdefault(s, set()).add(name)
    for s in sorted(by_service):
        if rng.random() < 0.05:
            by_service[s] = None  # the whole service is unused
    return by_service


def build(args, rng, corpus, catalog, ACCOUNT):
    """One account's export pages and findings."""
    policies = {}  # arn -> (name, path, document, attachments)
    roles, users, groups = [], [], []
    findings = []

    def managed(name, doc, customer=False):
        arn = (
            f"arn:aws:iam::{ACCOUNT}:policy/{name}"
            if customer
            else f"arn:aws:iam::aws:policy/{name}"
        )
        if arn not in policies:
            policies[arn] = [name, doc, 0]
        policies[arn][2] += 1
        return {"PolicyName": name, "PolicyArn": arn}

    for g in range(3):
        name, doc = rng.choice(corpus)
        groups.append(
            {
                "Path": "/",
                "GroupName": f"Group{g}",
                "GroupId": f"AGPA{g:016d}",
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/Group{g}",
                "CreateDate": "2024-01-01T00:00:00Z",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": [managed(name, doc)],
            }
        )

    def principal(kind, i):
        attached = [managed(*rng.choice(corpus)) for _ in range(rng.randint(1, 5))]
        # No duplicate attachments of one policy.
        seen, unique = set(), []
        for a in attached:
            if a["PolicyArn"] not in seen:
                seen.add(a["PolicyArn"])
                unique.append(a)
        inline = []
        if rng.random() < 0.2:
            name, doc = rng.choice(corpus)
            text = json.dumps(doc, separators=(",", ":"))
            inline.append(
                {
                    "PolicyName": f"inline-{name}",
                    # The raw IAM API URL-encodes documents; the CLI decodes them. Mix both.
                    "PolicyDocument": urllib.parse.quote(text) if rng.random() < 0.5 else doc,
                }
            )
        if rng.random() < 0.1:
            name, doc = rng.choice(corpus)
            unique.append(managed(f"Custom{name}", doc, customer=True))
        allowed = set()
        for a in unique:
            allowed |= allowed_actions(policies[a["PolicyArn"]][1], catalog)
        for p in inline:
            doc = p["PolicyDocument"]
            if isinstance(doc, str):
                doc = json.loads(urllib.parse.unquote(doc))
            allowed |= allowed_actions(doc, catalog)
        return unique, inline, allowed

    for i in range(args.roles):
        attached, inline, allowed = principal("role", i)
        name = f"Role{i:05d}"
        arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
        roles.append(
            {
                "Path": "/",
                "RoleName": name,
                "RoleId": f"AROA{i:016d}",
                "Arn": arn,
                "CreateDate": "2024-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": urllib.parse.quote(
                    json.dumps(
                        {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Principal": {"Service": "ec2.amazonaws.com"},
                                    "Action": "sts:AssumeRole",
                                }
                            ],
                        }
                    )
                ),
                "InstanceProfileList": [],
                "RolePolicyList": inline,
                "AttachedManagedPolicies": attached,
                "Tags": [],
                "RoleLastUsed": {},
            }
        )
        kind = "UnusedIAMRole" if rng.random() < 0.02 else "UnusedPermission"
        findings.append(finding(arn, kind, random_unused(allowed, rng), rng, ACCOUNT))

    for i in range(args.users):
        attached, inline, allowed = principal("user", i)
        name = f"user{i:04d}"
        arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
        member = [g["GroupName"] for g in groups if rng.random() < 0.3]
        users.append(
            {
                "Path": "/",
                "UserName": name,
                "UserId": f"AIDA{i:016d}",
                "Arn": arn,
                "CreateDate": "2024-01-01T00:00:00Z",
                "UserPolicyList": inline,
                "GroupList": member,
                "AttachedManagedPolicies": attached,
                "Tags": [],
            }
        )
        findings.append(
            finding(arn, "UnusedPermission", random_unused(allowed, rng), rng, ACCOUNT)
        )

    policy_list = []
    for arn, (name, doc, count) in sorted(policies.items()):
        policy_list.append(
            {
                "PolicyName": name,
                "PolicyId": f"ANPA{zlib.crc32(arn.encode()):016d}",
                "Arn": arn,
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": count,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True,
                "CreateDate": "2024-01-01T00:00:00Z",
                "UpdateDate": "2024-01-01T00:00:00Z",
                "PolicyVersionList": [
                    {
                        "Document": urllib.parse.quote(json.dumps(doc, separators=(",", ":"))),
                        "VersionId": "v1",
                        "IsDefaultVersion": True,
                        "CreateDate": "2024-01-01T00:00:00Z",
                    }
                ],
            }
        )

    half = len(roles) // 2
    pages = [
        {
            "UserDetailList": users,
            "GroupDetailList": groups,
            "RoleDetailList": roles[:half],
            "Policies": policy_list[: len(policy_list) // 2],
            "IsTruncated": True,
            "Marker": "page2",
        },
        {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": roles[half:],
            "Policies": policy_list[len(policy_list) // 2 :],
            "IsTruncated": False,
        },
    ]
    counts = (len(roles), len(users), len(groups), len(policy_list), len(findings))
    return pages, findings, counts


def write_pages(path, pages):
    with open(path, "w") as f:
        for p in pages:
            json.dump(p, f, indent=2)
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--roles", type=int, default=2000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--accounts", type=int, default=0)
    args = ap.parse_args()
    corpus = load_corpus()
    # Very large grants (`*`, ReadOnlyAccess-sized lists) make findings of thousands of
    # actions; keep some, as real accounts have them, but not in every role.
    catalog = Catalog(load_catalog())
    if args.accounts > 0:
        os.makedirs(os.path.join(args.out, "exports"), exist_ok=True)
        total = [0] * 5
        with open(os.path.join(args.out, "findings.jsonl"), "w") as lines:
            for k in range(args.accounts):
                account = f"{100000000001 + k:012d}"
                # One generator per account: an account is the same whatever N is.
                rng = random.Random(f"{args.seed}/{account}")
                pages, findings, counts = build(args, rng, corpus, catalog, account)
                write_pages(os.path.join(args.out, "exports", f"{account}.json"), pages)
                for fd in findings:
                    lines.write(json.dumps(fd, separators=(",", ":")) + "\n")
                total = [a + b for a, b in zip(total, counts)]
        print(
            f"{args.accounts} accounts: {total[0]} roles, {total[1]} users, {total[2]} groups, "
            f"{total[3]} managed policies, {total[4]} findings -> {args.out}",
            file=sys.stderr,
        )
        return
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "findings"), exist_ok=True)
    pages, findings, counts = build(args, rng, corpus, catalog, ACCOUNT)
    write_pages(os.path.join(args.out, "auth.json"), pages)
    with open(os.path.join(args.out, "findings.jsonl"), "w") as lines:
        for fd in findings:
            name = fd["resource"].rsplit("/", 1)[1]
            with open(os.path.join(args.out, "findings", f"{name}.json"), "w") as f:
                json.dump(fd, f, indent=2)
            lines.write(json.dumps(fd, separators=(",", ":")) + "\n")
    print(
        f"{counts[0]} roles, {counts[1]} users, {counts[2]} groups, "
        f"{counts[3]} managed policies, {counts[4]} findings -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
