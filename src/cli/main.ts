#!/usr/bin/env node
// The `remediation-orchestrator` and `kubectl-rr` executables (package.json "bin", built to dist/cli/).
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  scriptPath: process.argv[1],
});
// Exit once the output is flushed, without waiting for the API client's idle keep-alive connections.
process.stdout.write('', () => process.exit(code));
