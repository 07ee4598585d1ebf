// Commands for people: `remediation-orchestrator describe NAME` (also `kubectl rr describe NAME`)
// shows a RemediationRequest's timeline, children, plan and notifications.
export { runCli, EXIT_OK, EXIT_FAILED, EXIT_USAGE, type CliIo } from './run.js';
export { formatDescription, readRemediation, type RemediationSnapshot } from './describe.js';
