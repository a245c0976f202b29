// Asks @cloud-copilot/iam-simulate (an independent IAM evaluator, AGPL: used here only as
// an external oracle, never vendored) the questions of a cases file written by
// `cargo run -p iam-refine-tests --example differential_requests`, and compares its
// answers with iam-refine's.
//
//   node scripts/iam-simulate-driver.mjs MODULE_DIR CASES.jsonl DISAGREEMENTS.jsonl IAM_REFINE
//
// MODULE_DIR is the folder `npm install` put the package in (its node_modules' parent);
// IAM_REFINE the `iam-refine` binary, which re-checks the reduced cases of a disagreement
// (`iam-refine simulate --request`): a disagreement is cut down to the one statement, then
// the one `Resource` pattern or `Condition` clause, on which the two evaluators differ.
// Prints runs, agreed, undetermined (ours: the decision depends on clauses AWS's
// documentation does not decide, docs/semantics.md rules U1 to U4; no claim, so no
// disagreement; counted apart, by rule), disagreed (by class) and errors; writes each
// disagreement, with its class, to DISAGREEMENTS.jsonl. Classes are assigned by `classify` below: each one
// is a documented difference (see scripts/differential-iam-simulate.sh); a disagreement
// no rule explains is `unexplained`, and the script fails on any.

import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { isIP } from 'node:net'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const [moduleDir, casesPath, outPath, iamRefine] = process.argv.slice(2)
if (!moduleDir || !casesPath || !outPath || !iamRefine) {
  console.error('usage: node iam-simulate-driver.mjs MODULE_DIR CASES.jsonl DISAGREEMENTS.jsonl IAM_REFINE')
  process.exit(2)
}
const scratch = mkdtempSync(join(tmpdir(), 'iam-simulate-'))
const require = createRequire(join(resolve(moduleDir), 'package.json'))
const { runUnsafeSimulation } = require('@cloud-copilot/iam-simulate')

const ACCOUNT = '123456789012'
const THEIRS = { Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny' }

/// The request's context as iam-simulate takes it: a string per single-valued key, an
/// array per `...List` key.
function contextVariables(request) {
  const out = {}
  for (const [key, { type, values }] of Object.entries(request.context ?? {})) {
    out[key] = type.endsWith('List') ? values : values[0]
  }
  return out
}

const ALLOW_ALL = [
  { name: 'AllowAll', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }
]

function theirs(c) {
  return ask(c.policies, c.request)
}

function ask(policies, request) {
  const result = runUnsafeSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:user/differential`,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: contextVariables(request)
      },
      identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: []
    },
    {}
  )
  return THEIRS[result] ?? `unexpected result ${JSON.stringify(result)}`
}

/// iam-refine's decision, through its binary: `allowed`, `explicitDeny`, `implicitDeny`,
/// `undetermined`, or `error`; and whether a `Deny` statement's match is undetermined
/// (then an implicit deny of ours is a deny whether or not that `Deny` matches).
function oursReport(policies, request) {
  const files = policies.map((p, i) => {
    const f = join(scratch, `p${i}.json`)
    writeFileSync(f, JSON.stringify(p.document))
    return f
  })
  const req = join(scratch, 'request.json')
  writeFileSync(req, JSON.stringify(request))
  const read = (out) => {
    const report = JSON.parse(out)
    return { decision: report.decision, openDeny: report.open.some((o) => o.effect === 'Deny' && o.rule !== null) }
  }
  try {
    return read(execFileSync(iamRefine, ['simulate', ...files, '--request', req, '--format', 'json'], { stdio: ['ignore', 'pipe', 'ignore'] }))
  } catch (e) {
    // Exit 4: undetermined, with the report on stdout.
    if (e.status === 4) return read(e.stdout)
    return { decision: 'error', openDeny: false }
  }
}

const ours = (policies, request) => oursReport(policies, request).decision

/// Does our report say what theirs does? An explicit deny of theirs is ours when we deny
/// whether or not an undetermined `Deny` matches.
const sameAs = (o, them) => o.decision === them || (o.decision === 'implicitDeny' && them === 'explicitDeny' && o.openDeny)

// An undetermined decision of ours claims nothing, so it differs from no answer.
const differ = (policies, request) => {
  const o = oursReport(policies, request)
  return o.decision !== 'undetermined' && !sameAs(o, ask(policies, request))
}
const one = (statement, version) => [{ name: 'reduced', document: { Version: version ?? '2012-10-17', Statement: [statement] } }]
const asList = (v) => (Array.isArray(v) ? v : v === undefined ? [] : [v])

/// The smallest construct the evaluators differ on: one statement, then one resource
/// pattern or one condition clause of it (as an Allow with `Action: "*"`).
function reduce(c) {
  for (const p of c.policies) {
    const version = p.document.Version
    for (const s of asList(p.document.Statement)) {
      if (!differ(one(s, version), c.request)) continue
      const { Condition, ...bare } = s
      if (Condition !== undefined && !differ(one(bare, version), c.request)) {
        for (const [op, block] of Object.entries(Condition)) {
          for (const [key, values] of Object.entries(block)) {
            const clause = { Effect: 'Allow', Action: '*', Resource: '*', Condition: { [op]: { [key]: values } } }
            if (differ(one(clause, version), c.request)) return { kind: 'condition', op, key, values }
          }
        }
        return { kind: 'condition', statement: s }
      }
      for (const which of ['Resource', 'NotResource']) {
        for (const pattern of asList(s[which])) {
          const probe = { Effect: 'Allow', Action: '*', [which]: pattern }
          if (differ(one(probe, version), c.request)) return { kind: which, pattern }
        }
      }
      const probe = { Effect: 'Allow', Action: s.Action, NotAction: s.NotAction, Resource: '*' }
      if (differ(one(probe, version), c.request)) return { kind: 'action', action: s.Action ?? s.NotAction }
      return { kind: 'statement', statement: s }
    }
  }
  return { kind: 'combination' }
}

/// The sixth component of an ARN pattern, and whether a wildcard stands before its first `/`.
function wildcardInResourceType(pattern) {
  const parts = pattern.split(':')
  if (parts.length < 6 || parts[2] === 's3') return false
  const last = parts.slice(5).join(':')
  const slash = last.indexOf('/')
  return slash > 0 && /[*?]/.test(last.slice(0, slash))
}

/// Do both evaluators agree once the request is changed as the counterfactual `name` says?
function agreesWithout(c, name) {
  const cf = (c.counterfactuals ?? []).find((x) => x.name === name)
  return cf !== undefined && typeof cf.ours === 'string' && ask(c.policies, cf.request) === cf.ours
}

// Each rule: [class, test(case, ours, theirs)]: a disagreement that vanishes when one
// feature is taken out of the request, with the AWS documentation that decides it.
const RULES = [
  // Out of scope: iam-simulate denies the request even under an identity policy allowing
  // everything (it models services that also need a resource-based policy: a KMS key
  // policy — AWS KMS: "No AWS principal has any permissions to a KMS key unless that
  // permission is explicitly allowed in a key policy" — and others), where iam-refine
  // evaluates identity-based policies only (docs/semantics.md §2).
  [
    'scope: iam-simulate wants a resource-based policy for this service (identity policies alone never allow it there)',
    (c, ours, them) =>
      ours === 'allowed' &&
      them === 'implicitDeny' &&
      [c.request, ...(c.counterfactuals ?? []).map((x) => x.request)].some((r) => ask(ALLOW_ALL, r) !== 'allowed')
  ],
  // docs/semantics.md §3: action patterns match all strings (`s3:*Upload` matches
  // `s3:x:yUpload`); iam-simulate wants one `:` in an action. No AWS action has two.
  [
    'spec-choice: an action glob matches an action with a second `:` (no AWS action has one)',
    (c) => agreesWithout(c, 'no-colon-action')
  ]
]

// Rules on the reduced construct (`reduce`), for what the request-level rules leave.
const REDUCED_RULES = [
  // AWS, Resource element: "*" matches "any combination of characters" within a segment,
  // "including characters like a forward slash (/)" (docs/semantics.md §3 rules 1 and 4);
  // iam-simulate does not match a wildcard in the resource type before the first `/`
  // (`arn:aws:ec2:*:*:a*/b` against `arn:aws:ec2:r:1:ax/b`; S3 ARNs, which have no type,
  // are fine).
  [
    'their-bug: a wildcard before the first `/` of the resource part never matches',
    (r) => (r.kind === 'Resource' || r.kind === 'NotResource') && wildcardInResourceType(r.pattern)
  ],
  // AWS, policy variables: "If you don't include the Version element and set it to an
  // appropriate version date, variables like ${aws:username} are treated as literal strings
  // in the policy"; iam-simulate substitutes them under 2008-10-17 too.
  [
    'their-bug: policy variables are substituted under Version 2008-10-17 (AWS: literal strings)',
    (r, c) => c.policies.some((p) => p.document.Version !== '2012-10-17') && JSON.stringify(r).includes('${')
  ],
  // AWS, policy variables: `${*}`, `${?}`, `${$}` "can be used in any string where you can
  // use regular policy variables"; iam-simulate does not substitute them in the
  // `StringEquals` family (it does in `StringLike` and `Resource`).
  [
    'their-bug: ${*} ${?} ${$} are not substituted in StringEquals / StringEqualsIgnoreCase values',
    (r) => r.kind === 'condition' && /StringN?o?t?Equals/.test(r.op) && asList(r.values).some((v) => /\$\{[*?$]\}/.test(String(v)))
  ],
  // docs/semantics.md §1: "an empty list is the same as an absent key" (AWS: a Null
  // condition "to check if the context key in the request exists and its value is not
  // null" guards against "context keys with empty values"); iam-simulate calls an empty
  // list present.
  [
    'spec-choice: an empty `...List` value is an absent key, also for Null (§1)',
    (r, c) => r.kind === 'condition' && r.op === 'Null' && hasEmptyList(c.request, r.key)
  ],
  // docs/semantics.md §5, dates: "epoch seconds (an optionally signed integer of at most 12
  // digits)"; iam-simulate reads `+1577836800` as no date. The disagreement on the clause
  // vanishes with the instant written in ISO 8601.
  [
    'spec-choice: a `+`-signed epoch is a date (§5); iam-simulate reads none',
    (r, c) => dateRewriteAgrees(r, c, (v) => (/^\+[0-9]{1,12}$/.test(v) ? epochIso(v) : v))
  ],
  // AWS, Date condition operators: "epoch (UNIX) time", which counts seconds
  // (docs/semantics.md §5: "epoch seconds"); iam-simulate reads the digits as milliseconds
  // (JavaScript's Date), so `1577836800` is 1970-01-19. The disagreement on the clause
  // vanishes with the instant written in ISO 8601.
  [
    'their-bug: epoch seconds are read as milliseconds (AWS: "epoch (UNIX) time")',
    (r, c) => dateRewriteAgrees(r, c, (v) => (/^-?[0-9]{1,12}$/.test(v) ? epochIso(v) : v))
  ],
  // docs/semantics.md §5, dates: "compare exactly", "1 to 9 fractional digits";
  // iam-simulate (JavaScript's Date) keeps milliseconds, so `.500000001Z` equals `.500Z`.
  // AWS's documentation states no precision. The disagreement vanishes with the fraction
  // cut to milliseconds.
  [
    'spec-choice: dates compare to the nanosecond (§5); iam-simulate to the millisecond',
    (r, c) => dateRewriteAgrees(r, c, (v) => v.replace(/(\.[0-9]{3})[0-9]{1,6}(?=Z|[+-][0-9]{2}:[0-9]{2}$)/, '$1'))
  ],
  // docs/semantics.md §5, dates: "`YYYY` and `YYYY-MM` alone do not parse" (a month is no
  // instant); iam-simulate reads `2020-01` as 2020-01-01T00:00Z (the W3C profile of ISO
  // 8601 has the form). The disagreement vanishes with the day written out.
  [
    'spec-choice: `YYYY-MM` is no date (§5); iam-simulate reads the month\'s first midnight',
    (r, c) => dateRewriteAgrees(r, c, (v) => (/^[0-9]{4}-[0-9]{2}$/.test(v) ? `${v}-01` : v))
  ],
  // AWS: "If you specify an IP address without the associated routing prefix, IAM uses the
  // default prefix value of /32", so an IPv6 address is outside a bare IPv4 address and
  // `NotIpAddress` holds; iam-simulate makes it false (with a `/24` it agrees).
  [
    'their-bug: NotIpAddress with a bare IPv4 address and an IPv6 request (or the converse) is false',
    (r, c) =>
      r.kind === 'condition' &&
      /^NotIpAddress/.test(r.op) &&
      asList(r.values).some((p) =>
        contextValues(c.request, r.key).some((v) => !String(p).includes('/') && isIP(String(p)) !== 0 && isIP(v) !== 0 && isIP(String(p)) !== isIP(v))
      )
  ]
]

/// The operator family of an operator name.
function family(op) {
  const base = (op ?? '').replace(/^For(AnyValue|AllValues):/, '').replace(/IfExists$/, '')
  if (base.startsWith('Numeric')) return 'numeric'
  if (base.startsWith('Date')) return 'date'
  if (base.startsWith('Arn')) return 'arn'
  if (base.includes('IpAddress')) return 'ip'
  if (base === 'Bool') return 'bool'
  if (base === 'BinaryEquals') return 'binary'
  return 'string'
}

function hasEmptyList(request, key) {
  const entry = Object.entries(request.context ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())
  return entry !== undefined && entry[1].type.endsWith('List') && entry[1].values.length === 0
}

function contextValues(request, key) {
  const entry = Object.entries(request.context ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())
  return entry ? entry[1].values : []
}

/// Epoch seconds (optionally signed) as ISO 8601, which both evaluators read alike.
const epochIso = (v) => new Date(Number(v) * 1000).toISOString()

/// Is the reduced construct a `Date...` clause whose request values `rewrite` changes, and
/// do both evaluators agree on that clause (alone, in an `Allow`) once they are rewritten?
function dateRewriteAgrees(r, c, rewrite) {
  if (r.kind !== 'condition' || family(r.op) !== 'date' || r.key === undefined) return false
  const context = { ...(c.request.context ?? {}) }
  let changed = false
  for (const [key, entry] of Object.entries(context)) {
    if (key.toLowerCase() !== r.key.toLowerCase()) continue
    const values = entry.values.map(rewrite)
    changed ||= values.some((v, i) => v !== entry.values[i])
    context[key] = { ...entry, values }
  }
  if (!changed) return false
  const clause = one({ Effect: 'Allow', Action: '*', Resource: '*', Condition: { [r.op]: { [r.key]: r.values } } })
  const request = { ...c.request, context }
  return differ(clause, c.request) && !differ(clause, request) && ours(clause, request) !== 'undetermined'
}

function classify(c, ours, them) {
  for (const [name, test] of RULES) {
    if (test(c, ours, them)) return { cls: name }
  }
  // With the colon instances out of the way, if that changed the request.
  const cf = (c.counterfactuals ?? []).find((x) => x.name === 'no-colon-instances')
  const plain = cf ? { ...c, request: cf.request } : c
  const reduced = reduce(plain)
  for (const [name, test] of REDUCED_RULES) {
    if (test(reduced, plain)) return { cls: name, reduced }
  }
  return { cls: 'unexplained', reduced }
}

const lines = readFileSync(casesPath, 'utf8').split('\n').filter((l) => l.trim() !== '')
let agreed = 0
// Denied by both, explicitly by them and implicitly by us, where whether a Deny statement
// matches is undetermined for us (a Deny whose match is open cannot change a deny).
let agreedDenied = 0
// Undetermined for us (docs/semantics.md, rules U1 to U4): no claim, so no disagreement;
// counted by the rules of the clauses the decision depends on, and by their answer.
let undetermined = 0
const undeterminedRules = {}
const undeterminedTheirs = {}
const classes = {}
const errors = { ours: 0, theirs: 0 }
const disagreements = []
const decisions = {}
for (const line of lines) {
  const c = JSON.parse(line)
  if (typeof c.ours !== 'string') {
    errors.ours++
    disagreements.push({ class: 'ours-error', ...c })
    continue
  }
  let them
  try {
    them = theirs(c)
  } catch (e) {
    errors.theirs++
    disagreements.push({ class: 'theirs-error', error: String(e), ...c })
    continue
  }
  decisions[c.ours] = (decisions[c.ours] ?? 0) + 1
  if (c.ours === 'undetermined') {
    undetermined++
    const rules = [...new Set((c.open ?? []).filter((o) => o.decisive).map((o) => o.rule ?? 'not modelled'))].sort().join('+')
    undeterminedRules[rules] = (undeterminedRules[rules] ?? 0) + 1
    undeterminedTheirs[them] = (undeterminedTheirs[them] ?? 0) + 1
    continue
  }
  if (them === c.ours) {
    agreed++
    continue
  }
  if (sameAs({ decision: c.ours, openDeny: (c.open ?? []).some((o) => o.effect === 'Deny' && o.rule) }, them)) {
    agreedDenied++
    continue
  }
  const { cls, reduced } = classify(c, c.ours, them)
  classes[cls] = (classes[cls] ?? 0) + 1
  disagreements.push({ class: cls, reduced, theirs: them, ...c })
}
writeFileSync(outPath, disagreements.map((d) => JSON.stringify(d)).join('\n') + (disagreements.length ? '\n' : ''))
const disagreed = Object.values(classes).reduce((a, b) => a + b, 0)
console.log(`runs: ${lines.length}`)
console.log(`decisions (ours): ${JSON.stringify(decisions)}`)
console.log(`agreed: ${agreed + agreedDenied}`)
if (agreedDenied) console.log(`  of which denied by both, explicitly by them, and by us whether or not an undetermined Deny matches: ${agreedDenied}`)
console.log(`undetermined (ours; no claim, not a disagreement): ${undetermined}`)
for (const [rules, n] of Object.entries(undeterminedRules).sort()) console.log(`  depending on ${rules}: ${n}`)
if (undetermined) console.log(`  iam-simulate said: ${JSON.stringify(undeterminedTheirs)}`)
console.log(`disagreed: ${disagreed}`)
for (const [name, n] of Object.entries(classes).sort()) console.log(`  ${name}: ${n}`)
console.log(`errors: ours ${errors.ours}, theirs ${errors.theirs}`)
console.log(`disagreements written to ${outPath}`)
process.exit(classes.unexplained || errors.ours || errors.theirs ? 1 : 0)
