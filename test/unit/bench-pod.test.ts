import { expect } from 'chai';
import { launchCommand, launchEnv } from '../../benchmarks/lib/launch.js';
import { podAccessOf, podEnv, podPrefix, type PodAccess } from '../../benchmarks/lib/pod.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const base64 = (text: string) => Buffer.from(text).toString('base64');
const access: PodAccess = { host: '127.0.0.1', port: '6443', token: 'secret', ca: CA };
const pod = {
  prefix: () => podPrefix('/tmp/sa', '/run', '/var/run/secrets/kubernetes.io/serviceaccount'),
  env: (base: NodeJS.ProcessEnv) => podEnv(base, access),
};

describe('benchmark processes run as in a pod', function () {
  it('takes the server, token and CA of a token kubeconfig as the pod’s', function () {
    expect(
      podAccessOf({ server: 'https://127.0.0.1:6443', caData: base64(CA) }, { token: 'secret' }, 'kc'),
    ).to.deep.equal(access);
    expect(
      podAccessOf({ server: 'https://[::1]:8443', caData: base64(CA) }, { token: 't' }, 'kc'),
      'an IPv6 server: the address without brackets, as KUBERNETES_SERVICE_HOST has it',
    ).to.deep.include({ host: '::1', port: '8443' });
  });

  it('reads a CA file, and takes port 443 when the server names none', function () {
    expect(
      podAccessOf({ server: 'https://api.example', caFile: '/etc/ca.pem' }, { token: 't' }, 'kc', (path) =>
        path === '/etc/ca.pem' ? CA : '',
      ),
    ).to.deep.equal({ host: 'api.example', port: '443', token: 't', ca: CA });
  });

  it('says what a kubeconfig lacks to stand in for a ServiceAccount', function () {
    const cluster = { server: 'https://127.0.0.1:6443', caData: base64(CA) };
    expect(() => podAccessOf(cluster, {}, '/tmp/kc')).to.throw(
      /^\/tmp\/kc has no static token for its user.*own local control plane \(drop --kubeconfig\)/,
    );
    expect(() => podAccessOf(cluster, undefined, 'kc')).to.throw(/no static token/);
    expect(() => podAccessOf({ server: cluster.server }, { token: 't' }, 'kc')).to.throw(
      /no certificate authority/,
    );
    expect(() => podAccessOf(undefined, { token: 't' }, 'kc')).to.throw(/no current cluster/);
    expect(() => podAccessOf({ ...cluster, server: 'http://127.0.0.1:8080' }, { token: 't' }, 'kc')).to.throw(
      /not https/,
    );
  });

  it('gives the process the service’s variables and no KUBECONFIG', function () {
    const env = podEnv({ PATH: '/bin', KUBECONFIG: '/root/.kube/config' }, access);
    expect(env).to.deep.equal({
      PATH: '/bin',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: '6443',
    });
  });

  it('mounts a tmpfs in a mount namespace of its own, copies the files in and execs the command', function () {
    expect(podPrefix('/tmp/my sa', '/run', '/var/run/secrets/kubernetes.io/serviceaccount')).to.deep.equal([
      'unshare',
      '-m',
      'sh',
      '-c',
      'mount -t tmpfs none "$1" && mkdir -p "$2" && cp "$3/token" "$3/ca.crt" "$2/" && shift 3 && exec "$@"',
      'sh',
      '/run',
      '/var/run/secrets/kubernetes.io/serviceaccount',
      '/tmp/my sa',
    ]);
  });

  it('starts node in the cgroup first, then as a pod, each wrapper exec-ing the next', function () {
    const node = ['/usr/bin/node', 'dist/main.js', '--namespaces=x'];
    expect(launchCommand(node, {})).to.deep.equal(node);
    expect(launchCommand(node, { cgroupProcs: '/cg/cgroup.procs' })).to.deep.equal([
      'sh',
      '-c',
      'echo $$ > "$0" && exec "$@"',
      '/cg/cgroup.procs',
      ...node,
    ]);
    expect(launchCommand(node, { pod })).to.deep.equal([...pod.prefix(), ...node]);
    expect(launchCommand(node, { cgroupProcs: '/cg/cgroup.procs', pod })).to.deep.equal([
      'sh',
      '-c',
      'echo $$ > "$0" && exec "$@"',
      '/cg/cgroup.procs',
      ...pod.prefix(),
      ...node,
    ]);
  });

  it('starts it with the pod’s environment, and without NODE_OPTIONS in a cgroup', function () {
    const env = { PATH: '/bin', KUBECONFIG: '/kc', NODE_OPTIONS: '--max-old-space-size=64' };
    expect(launchEnv(env, {})).to.deep.equal(env);
    expect(launchEnv(env, { withoutNodeOptions: true, pod })).to.deep.equal({
      PATH: '/bin',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: '6443',
    });
    expect(env, 'the given environment untouched').to.have.property('KUBECONFIG', '/kc');
  });
});
