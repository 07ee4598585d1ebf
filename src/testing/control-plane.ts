import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { auditPolicy, readAuditWrites, type AuditWrite } from './audit.js';
import { installCrds } from './crds.js';
import { freePort, startProcess, type ManagedProcess } from './processes.js';

export interface ControlPlaneOptions {
  /** Install the CRDs of config/crd/ before kube-controller-manager starts, so that its garbage
   * collector knows them from its first discovery instead of after its next resync. */
  installCrds?: boolean;
  /** Start kube-controller-manager (garbage collector and namespace controllers). Default true. */
  controllerManager?: boolean;
  /** How long to wait for the API server to become ready. Default 120 s (a loaded 2-core machine). */
  readyTimeoutMs?: number;
  /** Record every write to the orchestrator's resources, Events and Leases in an audit log (see
   * audit.ts), read back with `auditWrites()`. Default false. */
  auditLog?: boolean;
  /** Users, each with its own static token, who can do nothing until bound to a role (see
   * rbac.ts); `writeKubeconfig({ user })` writes their kubeconfig. */
  users?: string[];
  log?: (line: string) => void;
}

export interface KubeconfigOptions {
  /** One of `ControlPlaneOptions.users`; the admin when absent. */
  user?: string;
  /** The URL to dial instead of the API server's own, e.g. a proxy in front of it. */
  server?: string;
  /** Where to write it; a new file in the work directory when absent. */
  path?: string;
}

export interface ControlPlane {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** True when this control plane was started here, false for an existing cluster (KUBECONFIG_TEST). */
  local: boolean;
  /** The directory with the logs and data of a local control plane. */
  workDir?: string;
  binDir?: string;
  /** The API server's URL. */
  server: string;
  apiServerPid?: number;
  etcdPid?: number;
  /** The audit log's path when started with `auditLog: true`. */
  auditLogPath?: string;
  /** Restarts kube-apiserver on the same port and data: for tests of reconnection. */
  restartApiServer(): Promise<void>;
  /** Restarts etcd on the same ports and data, then waits until the API server is ready again. */
  restartEtcd(): Promise<void>;
  /** Writes a kubeconfig for a user of `ControlPlaneOptions.users` (or the admin) and returns its path. */
  writeKubeconfig(options?: KubeconfigOptions): Promise<string>;
  /** The writes the audit log holds so far (`auditLog: true`). */
  auditWrites(): Promise<AuditWrite[]>;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function buildBinaries(log: (line: string) => void): Promise<string> {
  log('control-plane: locating binaries (tools/control-plane/build.sh builds them once per machine)');
  const { stdout } = await promisify(execFile)('bash', [join(repoRoot, 'tools/control-plane/build.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: Error & { stderr?: string }) => {
    throw new Error(`building the local control plane failed: ${err.message}\n${err.stderr ?? ''}`);
  });
  const binDir = stdout.trim().split('\n').pop();
  if (!binDir) throw new Error('tools/control-plane/build.sh printed no binary directory');
  return binDir;
}

function kubeconfigYaml(server: string, caData: string, token: string, user = 'admin'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: local\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${caData}`,
    'users:',
    `- name: ${user}\n  user:\n    token: ${token}`,
    'contexts:',
    `- name: local\n  context:\n    cluster: local\n    user: ${user}\n    namespace: default`,
    'current-context: local',
    '',
  ].join('\n');
}

function probe(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? request : httpRequest)(
      url,
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  diagnose: () => Promise<string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`control-plane: ${what} not ready after ${timeoutMs / 1000}s\n${await diagnose()}`);
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return `--- last lines of ${file}:\n${text.split('\n').slice(-lines).join('\n')}`;
}

function existingCluster(path: string): ControlPlane {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  const unsupported = (what: string) => () =>
    Promise.reject(new Error(`cannot ${what} with an existing cluster (KUBECONFIG_TEST)`));
  return {
    kubeconfigPath: path,
    kubeConfig,
    local: false,
    server: kubeConfig.getCurrentCluster()?.server ?? '',
    restartApiServer: unsupported('restart the API server'),
    restartEtcd: unsupported('restart etcd'),
    writeKubeconfig: unsupported('write a kubeconfig'),
    auditWrites: unsupported('read the audit log'),
    stop: () => Promise.resolve(),
  };
}

/** A random static token per user, for kube-apiserver's --token-auth-file. */
function userTokens(users: readonly string[]): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const user of users) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(user) || user === 'admin')
      throw new Error(
        `control-plane: user name ${JSON.stringify(user)} must be a DNS label other than admin`,
      );
    tokens.set(user, randomBytes(24).toString('hex'));
  }
  return tokens;
}

/**
 * Starts etcd, kube-apiserver and (by default) kube-controller-manager on free loopback ports, or
 * returns the existing cluster that KUBECONFIG_TEST names.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const existing = process.env.KUBECONFIG_TEST;
  if (existing) {
    const plane = existingCluster(existing);
    if (options.installCrds) await installCrds(plane.kubeConfig);
    return plane;
  }
  const log = options.log ?? (() => {});
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const binDir = await buildBinaries(log);
  const workDir = await mkdtemp(join(tmpdir(), 'ro-control-plane-'));
  const certDir = join(workDir, 'certs');
  await mkdir(certDir);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  const tokens = userTokens(options.users ?? []);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(certDir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  await writeFile(join(certDir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(
    join(certDir, 'tokens.csv'),
    [
      `${token},admin,admin,"system:masters"`,
      ...[...tokens].map(([user, t]) => `${t},${user},${user}`),
      '',
    ].join('\n'),
  );

  const processes: ManagedProcess[] = [];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcdLog = join(workDir, 'etcd.log');
  const startEtcd = (): ManagedProcess =>
    startProcess(
      'etcd',
      join(binDir, 'etcd'),
      [
        '--name=local',
        `--data-dir=${join(workDir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=local=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync',
        '--quota-backend-bytes=8589934592',
        '--log-level=warn',
      ],
      etcdLog,
    );
  log(`control-plane: starting etcd on ${etcdUrl}`);
  let etcd = startEtcd();

  const apiServerArgs = [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=127.0.0.1`,
    `--secure-port=${apiPort}`,
    // Nothing dials the advertise address; it only has to be non-loopback (see docs/control-plane.md).
    '--advertise-address=192.0.2.1',
    '--endpoint-reconciler-type=none',
    `--cert-dir=${certDir}`,
    `--token-auth-file=${join(certDir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${join(certDir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(certDir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/24',
    '--disable-admission-plugins=ServiceAccount',
    // As on OpenShift: setting blockOwnerDeletion needs update on the owner's finalizers subresource.
    '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
    '--max-requests-inflight=1000',
    '--max-mutating-requests-inflight=500',
    '--profiling=false',
  ];
  const auditLogPath = options.auditLog ? join(workDir, 'audit.log') : undefined;
  if (auditLogPath) {
    const policyPath = join(workDir, 'audit-policy.json');
    await writeFile(policyPath, await auditPolicy());
    apiServerArgs.push(
      `--audit-policy-file=${policyPath}`,
      `--audit-log-path=${auditLogPath}`,
      '--audit-log-format=json',
      // Each event is written before the request is answered, so a finished write is in the log.
      '--audit-log-mode=blocking',
      // Megabytes before rotation (lumberjack's default is 100); auditWrites() reads only this file.
      '--audit-log-maxsize=4096',
    );
  }
  const apiLog = join(workDir, 'kube-apiserver.log');
  const startApiServer = (): ManagedProcess =>
    startProcess('kube-apiserver', join(binDir, 'kube-apiserver'), apiServerArgs, apiLog);
  log(`control-plane: starting kube-apiserver on https://127.0.0.1:${apiPort}`);
  let apiServer = startApiServer();
  const server = `https://127.0.0.1:${apiPort}`;
  const waitReady = (): Promise<void> =>
    waitFor(
      'kube-apiserver',
      readyTimeoutMs,
      async () => (await probe(`${server}/readyz`, token)) === 200,
      async () => [await tail(apiLog), await tail(join(workDir, 'etcd.log'), 10)].join('\n'),
    );
  const stopAll = async (): Promise<void> => {
    for (const p of [etcd, ...processes, apiServer].reverse()) await p.stop();
  };
  try {
    await waitReady();
    const caData = (await readFile(join(certDir, 'apiserver.crt'))).toString('base64');
    const kubeconfigPath = join(workDir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, caData, token));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    await waitFor(
      'the default namespace',
      readyTimeoutMs,
      async () => (await probe(`${server}/api/v1/namespaces/default`, token)) === 200,
      () => tail(apiLog),
    );
    const writeKubeconfig = async ({ user, server: dial, path }: KubeconfigOptions = {}): Promise<string> => {
      const userToken = user === undefined ? token : tokens.get(user);
      if (!userToken) throw new Error(`control-plane: no user ${user}; name it in the users option`);
      const file = path ?? join(workDir, `kubeconfig-${user ?? 'admin'}-${randomBytes(4).toString('hex')}`);
      await writeFile(file, kubeconfigYaml(dial ?? server, caData, userToken, user));
      return file;
    };
    if (options.installCrds) await installCrds(kubeConfig);
    if (options.controllerManager !== false) {
      log('control-plane: starting kube-controller-manager (garbagecollector, namespace)');
      processes.push(
        startProcess(
          'kube-controller-manager',
          join(binDir, 'kube-controller-manager'),
          [
            `--kubeconfig=${kubeconfigPath}`,
            '--controllers=garbagecollector,namespace',
            '--leader-elect=false',
            '--secure-port=0',
            '--concurrent-gc-syncs=20',
          ],
          join(workDir, 'kube-controller-manager.log'),
        ),
      );
    }
    log(`control-plane: ready; kubeconfig ${kubeconfigPath}`);
    return {
      kubeconfigPath,
      kubeConfig,
      local: true,
      workDir,
      binDir,
      server,
      get apiServerPid() {
        return apiServer.child.pid;
      },
      get etcdPid() {
        return etcd.child.pid;
      },
      auditLogPath,
      async restartApiServer() {
        await apiServer.stop();
        apiServer = startApiServer();
        await waitReady();
      },
      async restartEtcd() {
        await etcd.stop();
        etcd = startEtcd();
        await waitFor(
          'etcd',
          readyTimeoutMs,
          async () => (await probe(`${etcdUrl}/health`, '')) === 200,
          () => tail(etcdLog),
        );
        await waitReady();
      },
      writeKubeconfig,
      async auditWrites() {
        if (!auditLogPath) throw new Error('control-plane: started without auditLog: true');
        return readAuditWrites(auditLogPath);
      },
      async stop() {
        await stopAll();
        if (!process.env.KEEP_CONTROL_PLANE) await rm(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
