import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
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
  log?: (line: string) => void;
}

export interface ControlPlane {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** True when this control plane was started here, false for an existing cluster (KUBECONFIG_TEST). */
  local: boolean;
  /** The directory with the logs and data of a local control plane. */
  workDir?: string;
  binDir?: string;
  apiServerPid?: number;
  /** Restarts kube-apiserver on the same port and data: for tests of reconnection. */
  restartApiServer(): Promise<void>;
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

function kubeconfigYaml(server: string, caData: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: local\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${caData}`,
    'users:',
    `- name: admin\n  user:\n    token: ${token}`,
    'contexts:',
    '- name: local\n  context:\n    cluster: local\n    user: admin\n    namespace: default',
    'current-context: local',
    '',
  ].join('\n');
}

function probe(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
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
  return {
    kubeconfigPath: path,
    kubeConfig,
    local: false,
    restartApiServer: () => Promise.reject(new Error('cannot restart the API server of an existing cluster')),
    stop: () => Promise.resolve(),
  };
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
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(join(certDir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  await writeFile(join(certDir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(join(certDir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);

  const processes: ManagedProcess[] = [];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  log(`control-plane: starting etcd on ${etcdUrl}`);
  processes.push(
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
      join(workDir, 'etcd.log'),
    ),
  );

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
    for (const p of [...processes, apiServer].reverse()) await p.stop();
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
      get apiServerPid() {
        return apiServer.child.pid;
      },
      async restartApiServer() {
        await apiServer.stop();
        apiServer = startApiServer();
        await waitReady();
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
