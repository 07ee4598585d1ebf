// A process run as in a pod, on this machine: no --kubeconfig and no KUBECONFIG, KUBERNETES_SERVICE_HOST
// and _PORT set, and a ServiceAccount's token and CA under /var/run/secrets/kubernetes.io/serviceaccount,
// where src/k8s/cluster-access.ts reads them without loading @kubernetes/client-node (some 55 MiB of
// RSS less than with --kubeconfig). The token and CA are a kubeconfig's that has a static token (a
// user of the local control plane) standing in for the ServiceAccount's. They are put there in a
// private mount namespace (unshare -m, a tmpfs over /run that only that process sees), which takes
// root. Neither unshare (without --fork) nor sh's exec forks: node keeps the PID spawn() returned.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type Cluster, type User } from '@kubernetes/client-node';
import { SERVICE_ACCOUNT_DIR } from '../../src/k8s/cluster-access.js';

/** What a pod's process finds of its API server: the service's address, the token and the CA (PEM). */
export interface PodAccess {
  host: string;
  port: string;
  token: string;
  ca: string;
}

/** The server, token and CA of a kubeconfig's current context; throws saying what is missing. */
export function podAccessOf(
  cluster: Pick<Cluster, 'server' | 'caData' | 'caFile'> | null | undefined,
  user: Pick<User, 'token'> | null | undefined,
  where: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): PodAccess {
  const want = (what: string): Error =>
    new Error(
      `${where} has ${what}; as in a pod, the orchestrator needs a static token and the cluster's CA ` +
        `(standing in for a ServiceAccount's): a token kubeconfig, such as a user of the benchmark's own local control plane (drop --kubeconfig)`,
    );
  if (!cluster) throw want('no current cluster');
  const url = new URL(cluster.server);
  if (url.protocol !== 'https:') throw want(`a server that is not https (${cluster.server})`);
  if (!user?.token) throw want('no static token for its user');
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : cluster.caFile
      ? readFile(cluster.caFile)
      : undefined;
  if (!ca) throw want('no certificate authority for its cluster');
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || '443', token: user.token, ca };
}

/** The kubeconfig file's access as a pod's. */
export function podAccessFrom(kubeconfigPath: string): PodAccess {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return podAccessOf(kc.getCurrentCluster(), kc.getCurrentUser(), kubeconfigPath);
}

/** The environment of the pod's process: the service's variables, and no KUBECONFIG to prefer over them. */
export function podEnv(env: NodeJS.ProcessEnv, access: PodAccess): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    ...env,
    KUBERNETES_SERVICE_HOST: access.host,
    KUBERNETES_SERVICE_PORT: access.port,
  };
  delete out.KUBECONFIG;
  return out;
}

/**
 * The command line that runs the command line appended to it in a private mount namespace, with a
 * tmpfs over `mountPoint` (what /var/run resolves to) and the token and ca.crt of `from` copied to
 * `serviceAccountDir`. Paths go in as arguments, never into the script.
 */
export function podPrefix(
  from: string,
  mountPoint: string,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): string[] {
  return [
    'unshare',
    '-m',
    'sh',
    '-c',
    'mount -t tmpfs none "$1" && mkdir -p "$2" && cp "$3/token" "$3/ca.crt" "$2/" && shift 3 && exec "$@"',
    'sh',
    mountPoint,
    serviceAccountDir,
    from,
  ];
}

/** Why this process cannot run another as in a pod, or undefined when it can. */
export function podUnavailable(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'it takes root (a tmpfs over /run in a mount namespace of its own): run the benchmark as root';
  const probe = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
  if (probe.error)
    return `unshare(1) cannot be run (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message}): install util-linux`;
  if (probe.status !== 0)
    return `"unshare -m true" failed (${probe.stderr.trim() || `exit ${probe.status}`}): no mount namespaces here`;
  return undefined;
}

/** Throws a clear error when podUnavailable() says why not. */
export function assertCanRunAsPod(): void {
  const why = podUnavailable();
  if (why) throw new Error(`--as-pod: ${why}`);
}

/** The token and CA of one pod-to-be, in a private temporary directory until remove(). */
export class PodIdentity {
  private constructor(
    readonly access: PodAccess,
    readonly dir: string,
  ) {}

  static create(access: PodAccess): PodIdentity {
    const dir = mkdtempSync(join(tmpdir(), 'ro-bench-sa-'));
    writeFileSync(join(dir, 'token'), access.token, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.crt'), access.ca);
    return new PodIdentity(access, dir);
  }

  /** The command prefix of podPrefix() for this identity. */
  prefix(): string[] {
    return podPrefix(this.dir, realpathSync('/var/run'));
  }

  env(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    return podEnv(base, this.access);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
