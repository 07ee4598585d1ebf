// The command line of `remediation-orchestrator` and `kubectl rr`: subcommands, options and usage.
import { parseArgs } from 'node:util';

export interface DescribeCommand {
  command: 'describe';
  name: string;
  namespace: string | undefined;
  kubeconfig: string | undefined;
  context: string | undefined;
}

export type Command = { command: 'help' } | DescribeCommand;

/** Bad usage: the message says what was wrong; the caller prints it with a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `kubectl rr` when run as the kubectl plugin (an executable named kubectl-rr), else the package's command. */
export function programName(scriptPath: string | undefined): string {
  const base = (scriptPath ?? '').split(/[\\/]/).pop() ?? '';
  return base.startsWith('kubectl-rr') ? 'kubectl rr' : 'remediation-orchestrator';
}

export function usage(program: string): string {
  return `Usage: ${program} describe NAME [-n NAMESPACE] [--kubeconfig FILE] [--context NAME]

Describes a RemediationRequest: its phase timeline (status.phaseHistory), its children and their
phases, the workflow plan as a dependency graph coloured by phase, why it is blocked, and its
notifications.

Options:
  -n, --namespace NAMESPACE  the request's namespace (default: the kubeconfig context's, else "default")
      --kubeconfig FILE      the kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, or in a pod
                             its service account)
      --context NAME         the kubeconfig context to use (default: its current context)
  -h, --help                 show this help

Colours by phase when stdout is a terminal and NO_COLOR is not set.
Exit status: 0 described, 1 not found or the API server failed, 2 bad usage.`;
}

/** Parses the arguments after the program name; throws a UsageError for anything it cannot run. */
export function parseCommand(argv: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      // kubectl accepts -n=NS; node's parseArgs reads "=NS" as the value.
      args: argv.flatMap((arg) => (arg.startsWith('-n=') ? ['-n', arg.slice(3)] : [arg])),
      allowPositionals: true,
      strict: true,
      options: {
        namespace: { type: 'string', short: 'n' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('no command given: the only command is "describe NAME"');
  if (command !== 'describe')
    throw new UsageError(`unknown command "${command}": the only command is "describe NAME"`);
  if (rest.length === 0) throw new UsageError('describe needs the name of a RemediationRequest');
  if (rest.length > 1) throw new UsageError(`describe takes one name, got ${rest.length}: ${rest.join(' ')}`);
  if (values.namespace === '') throw new UsageError('--namespace needs a value');
  return {
    command: 'describe',
    name: rest[0]!,
    namespace: values.namespace,
    kubeconfig: values.kubeconfig,
    context: values.context,
  };
}
