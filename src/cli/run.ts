// One run of the command: arguments in, text out, an exit status back. Streams and environment are
// passed in, so tests can run it without a process of its own.
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError, parseCommand, programName, usage, type DescribeCommand } from './args.js';
import { ansiPhaseColour, colourWanted, noColour } from './colour.js';

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
  /** process.argv[1]: decides whether help speaks of `kubectl rr`. */
  scriptPath?: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

async function kubeConfigFor(command: DescribeCommand): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  // loadFromDefault reads $KUBECONFIG, then ~/.kube/config, then a pod's service account.
  if (command.kubeconfig) kc.loadFromFile(command.kubeconfig);
  else kc.loadFromDefault();
  if (command.context) {
    if (!kc.getContextObject(command.context))
      throw new Error(`the kubeconfig has no context "${command.context}"`);
    kc.setCurrentContext(command.context);
  }
  return kc;
}

async function describe(command: DescribeCommand, io: CliIo): Promise<void> {
  // Loaded here, not above: the API client takes seconds to load on a busy machine, and --help or a
  // usage error should not wait for it.
  const [{ KubeHttp }, { formatDescription, readRemediation }] = await Promise.all([
    import('../k8s/kube-http.js'),
    import('./describe.js'),
  ]);
  const kc = await kubeConfigFor(command);
  const namespace = command.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const snapshot = await readRemediation(new KubeHttp(kc), namespace, command.name);
  const colour = colourWanted(io.stdout, io.env) ? ansiPhaseColour : noColour;
  io.stdout.write(formatDescription(snapshot, { colour, now: new Date() }));
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = programName(io.scriptPath);
  try {
    const command = parseCommand(argv);
    if (command.command === 'help') {
      io.stdout.write(`${usage(program)}\n`);
      return EXIT_OK;
    }
    await describe(command, io);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${program}: ${err.message}\nRun "${program} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`${program}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}
