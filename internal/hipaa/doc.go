// Package hipaa holds Safeguard's domain types and their invariants: practices,
// the Security Rule controls, questions, threats and vulnerabilities, assessments,
// answers, risks and findings. It imports nothing of ours and knows nothing of
// storage, HTTP or the command line; every other package speaks in these types.
package hipaa
