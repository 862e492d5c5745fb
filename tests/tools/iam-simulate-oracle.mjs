// Decides identity-policy requests with @cloud-copilot/iam-simulate, the
// independent evaluator trailgrant's differential test compares against.
//
// Reads JSON lines on stdin, one case each:
//   {"id": 1, "policies": [{"name": "p0", "policy": {...}}],
//    "request": {"action": "s3:GetObject", "resource": "arn:...",
//                "principal": "arn:aws:iam::111122223333:role/x",
//                "account": "111122223333", "context": {"aws:Key": "v" | ["v", ...]}}}
// and writes one JSON line per case:
//   {"id": 1, "decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied",
//    "statements": [[true, false, ...], ...]}
// where statements[p][s] is true when statement s of policy p applies.
// or {"id": 1, "error": "..."} when the simulator throws.
//
// The simulation runs without input validation (runUnsafeSimulation) and in
// Strict mode, so the request context is taken as complete. No SCP, RCP,
// boundary or resource policy takes part, and the principal and resource
// are in one account, so the result is the identity policies' decision.

import readline from 'node:readline'
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

function simulate(request, policies) {
  return runUnsafeSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.account },
        contextVariables: request.context
      },
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: []
    },
    { simulationMode: 'Strict' }
  )
}

// A statement applies to the request exactly when, turned into an Allow
// and evaluated alone, it allows the request.
function statementApplies(request, statement) {
  const alone = { Version: '2012-10-17', Statement: [{ ...statement, Effect: 'Allow' }] }
  return simulate(request, [{ name: 'alone', policy: alone }]) === 'Allowed'
}

function decide(testCase) {
  const { request, policies } = testCase
  const statements = policies.map(({ policy }) =>
    [policy.Statement].flat().map((statement) => statementApplies(request, statement))
  )
  return { id: testCase.id, decision: simulate(request, policies), statements }
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (line.trim() === '') {
    continue
  }
  const testCase = JSON.parse(line)
  let output
  try {
    output = decide(testCase)
  } catch (err) {
    output = { id: testCase.id, error: String(err && err.message ? err.message : err) }
  }
  process.stdout.write(JSON.stringify(output) + '\n')
}
