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
// Prints runs, agreed, disagreed (by class) and errors; writes each disagreement, with
// its class, to DISAGREEMENTS.jsonl. Classes are assigned by `classify` below: each one
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

/// iam-refine's decision, through its binary.
function ours(policies, request) {
  const files = policies.map((p, i) => {
    const f = join(scratch, `p${i}.json`)
    writeFileSync(f, JSON.stringify(p.document))
    return f
  })
  const req = join(scratch, 'request.json')
  writeFileSync(req, JSON.stringify(request))
  try {
    const out = execFileSync(iamRefine, ['simulate', ...files, '--request', req, '--format', 'json'], { stdio: ['ignore', 'pipe', 'ignore'] })
    return JSON.parse(out).decision
  } catch {
    return 'error'
  }
}

const differ = (policies, request) => ours(policies, request) !== ask(policies, request)
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

const isArn = (v) => typeof v === 'string' && v.split(':').length >= 6

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
  ],
  // AWS, Resource element: "If the `*` wildcard is the last character of a resource ARN
  // segment, it can expand to match beyond the colon boundaries" (docs/semantics.md §3 rule
  // 2); iam-simulate matches each of the six components apart, so its `*` never crosses
  // into the next.
  [
    'their-bug: a `*` that ends an ARN segment does not cross `:` (AWS: it "can expand to match beyond the colon boundaries")',
    (c, ours) => ours === 'allowed' && (agreesWithout(c, 'no-colon-resource') || agreesWithout(c, 'no-colon-instances'))
  ],
  // docs/semantics.md §3 rule 3: a `*` or `?` that does not end its segment matches no `:`,
  // also in the resource part (`arn:aws:s3:::bkt/*/log` does not match
  // `arn:aws:s3:::bkt/a:b/log`, the spec's own example); iam-simulate lets them match `:`
  // inside the sixth component. AWS's documentation says wildcards stay "within the
  // individual segments of an ARN (the parts separated by colons)", so this is the spec's
  // reading; whether IAM splits the resource part at its colons is not documented.
  [
    'spec-choice: a mid-segment `*`/`?` matches no `:` in the resource part (rule 3)',
    (c, ours) => ours !== 'allowed' && (agreesWithout(c, 'no-colon-resource') || agreesWithout(c, 'no-colon-instances'))
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
  // docs/semantics.md §5: "A request value that does not parse for the operator compares
  // false with every policy value", so a negated operator holds (NOR of no match);
  // iam-simulate makes the condition false. AWS's documentation says nothing of request
  // values that do not parse (an IP address that is not one, a number that is not one).
  [
    'spec-choice: a request value that does not parse satisfies a negated operator (§5)',
    (r, c) =>
      r.kind === 'condition' &&
      negated(r.op) &&
      contextValues(c.request, r.key).some((v) => !parses(family(r.op), v))
  ],
  // docs/semantics.md §6: a variable whose key is absent leaves the value without a value,
  // which no request value equals, so a negated operator holds (AWS: "the value is
  // effectively null. There is no equal or like value"); iam-simulate makes the condition
  // false.
  [
    'spec-choice: a negated operator over a policy variable whose key is absent holds (§6)',
    (r, c) => r.kind === 'condition' && negated(r.op) && asList(r.values).some((v) => absentVariable(String(v), c.request))
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
  // docs/semantics.md §4: `ForAnyValue:` is false for no request value "unless
  // `...IfExists`, then true". iam-simulate ignores IfExists under ForAnyValue (false); so
  // does AWS as reported on re:Post ("ForAnyValue:StringEqualsIfExists behaving
  // unexpectedly": a request without aws:TagKeys was denied). Contested: reported to the
  // lead as a spec question.
  [
    'spec-choice (contested): ForAnyValue:...IfExists holds when the key is absent or empty (§4)',
    (r, c) => r.kind === 'condition' && /^ForAnyValue:.*IfExists$/.test(r.op) && contextValues(c.request, r.key).length === 0
  ],
  // docs/semantics.md §1: "an empty list is the same as an absent key" (AWS: a Null
  // condition "to check if the context key in the request exists and its value is not
  // null" guards against "context keys with empty values"); iam-simulate calls an empty
  // list present.
  [
    'spec-choice: an empty `...List` value is an absent key, also for Null (§1)',
    (r, c) => r.kind === 'condition' && r.op === 'Null' && hasEmptyList(c.request, r.key)
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

const negated = (op) => /Not|^ForAnyValue:.*Not|NotIpAddress/.test(op ?? '')

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

/// Does a request value parse for the family, as docs/semantics.md §5 reads it?
function parses(fam, v) {
  switch (fam) {
    case 'numeric':
      return /^-?[0-9]+(\.[0-9]+)?$/.test(v)
    case 'date':
      return /^-?[0-9]+$/.test(v) || /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(v)
    case 'ip':
      return isIP(v) !== 0
    case 'arn':
      return v.split(':').length >= 6
    case 'bool':
      return /^(true|false)$/i.test(v)
    case 'binary':
      return /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v)
    default:
      return true
  }
}

function hasEmptyList(request, key) {
  const entry = Object.entries(request.context ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())
  return entry !== undefined && entry[1].type.endsWith('List') && entry[1].values.length === 0
}

function contextValues(request, key) {
  const entry = Object.entries(request.context ?? {}).find(([k]) => k.toLowerCase() === key.toLowerCase())
  return entry ? entry[1].values : []
}

function absentVariable(value, request) {
  for (const m of value.matchAll(/\$\{([^},]+)\}/g)) {
    if (contextValues(request, m[1].trim()).length === 0) return true
  }
  return false
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
  if (them === c.ours) {
    agreed++
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
console.log(`agreed: ${agreed}`)
console.log(`disagreed: ${disagreed}`)
for (const [name, n] of Object.entries(classes).sort()) console.log(`  ${name}: ${n}`)
console.log(`errors: ours ${errors.ours}, theirs ${errors.theirs}`)
console.log(`disagreements written to ${outPath}`)
process.exit(classes.unexplained || errors.ours || errors.theirs ? 1 : 0)
