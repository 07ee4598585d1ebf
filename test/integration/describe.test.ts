import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import {
  KINDS,
  LABEL_COMPONENT,
  LABEL_REMEDIATION_REQUEST,
  type ChildKindName,
} from '../../src/api/index.js';
import { controlPlane } from '../support/control-plane-hooks.js';
import { ownerReference, parentRef, remediationRequest, targetingData } from '../support/fixtures.js';
import { createNamespace, deleteNamespace, Objects, type Obj } from '../support/kube.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'src/cli/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args` from the repository root with `env` added; resolves with its exit code and output. */
function run(command: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: root, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number | string }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

const at = (minute: number, second = 0) =>
  `2026-03-01T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000Z`;

describe('describe: the command for people, against the API server', function () {
  let kc: KubeConfig;
  let objects: Objects;
  let ns: string;
  let env: Record<string, string>;
  let described: Run;

  async function child(
    kind: ChildKindName,
    rr: Obj,
    name: string,
    spec: Record<string, unknown>,
    status: Record<string, unknown>,
  ): Promise<void> {
    const component = KINDS[kind].component;
    await objects.create(kind, ns, {
      metadata: {
        name,
        labels: { [LABEL_REMEDIATION_REQUEST]: rr.metadata.name, [LABEL_COMPONENT]: component },
        ...(kind === 'NotificationRequest' ? {} : { ownerReferences: [ownerReference(rr)] }),
      },
      spec: { remediationRequestRef: parentRef(rr), targetingData: targetingData(), ...spec },
    });
    await objects.patchStatus(kind, ns, name, status);
  }

  const step = (rr: Obj, name: string, phase: string) =>
    child(
      'KubernetesExecution',
      rr,
      `payments-step-${name}`,
      {
        workflowExecutionRef: { name: 'payments-workflow', namespace: ns },
        step: { name, action: 'restart-pod' },
      },
      { phase },
    );

  before(async function () {
    this.timeout(120_000);
    kc = controlPlane().kubeConfig;
    objects = new Objects(kc);
    ns = await createNamespace(kc, 'describe');
    env = { KUBECONFIG: controlPlane().kubeconfigPath };
    const rr = await objects.create('RemediationRequest', ns, remediationRequest('payments'));
    await objects.patchStatus('RemediationRequest', ns, 'payments', {
      phase: 'Executing',
      startTime: at(0),
      phaseStartTime: at(3),
      overallProgress: 25,
      stepsTotal: 4,
      stepsCompleted: 1,
      stepsFailed: 0,
      approval: { decision: 'Approved', decidedBy: 'alice', method: 'slack', decidedAt: at(2, 30) },
      phaseHistory: [
        { phase: 'Pending', enteredAt: at(0), exitedAt: at(0, 1) },
        { phase: 'Initializing', enteredAt: at(0, 1), exitedAt: at(0, 2) },
        { phase: 'Processing', enteredAt: at(0, 2), exitedAt: at(0, 20) },
        { phase: 'Analyzing', enteredAt: at(0, 20), exitedAt: at(1) },
        { phase: 'AwaitingApproval', enteredAt: at(1), exitedAt: at(2, 30), reason: 'ApprovalRequired' },
        { phase: 'WorkflowPlanning', enteredAt: at(2, 30), exitedAt: at(3) },
        { phase: 'Executing', enteredAt: at(3) },
      ],
    });
    await child('RemediationProcessing', rr, 'payments-processing', {}, { phase: 'Completed' });
    await child('AIAnalysis', rr, 'payments-aianalysis', { signalFingerprint: 'fp:1' }, { phase: 'Ready' });
    await child(
      'WorkflowExecution',
      rr,
      'payments-workflow',
      {},
      {
        phase: 'Planned',
        plan: {
          steps: [
            { name: 'drain-node', action: 'drain' },
            { name: 'scale-up', action: 'scale', dependsOn: ['drain-node'] },
            { name: 'restart-pod', action: 'restart', dependsOn: ['drain-node'] },
            { name: 'verify', action: 'check', dependsOn: ['scale-up', 'restart-pod'] },
          ],
        },
      },
    );
    await step(rr, 'drain-node', 'Completed');
    await step(rr, 'scale-up', 'Running');
    await step(rr, 'restart-pod', 'Failed');
    await child(
      'NotificationRequest',
      rr,
      'payments-approval-0a1b2c3d',
      { type: 'approval', priority: 'high', title: 'Approve the remediation of HighMemoryUsage' },
      { phase: 'Sent' },
    );
    // Same label, another request's UID: a request of the same name that was deleted and re-created.
    await objects.create('NotificationRequest', ns, {
      metadata: { name: 'payments-escalation-ffffffff', labels: { [LABEL_REMEDIATION_REQUEST]: 'payments' } },
      spec: {
        remediationRequestRef: { name: 'payments', namespace: ns, uid: 'an-older-request' },
        targetingData: targetingData(),
        type: 'escalation',
      },
    });
    described = await run(process.execPath, ['--import', 'tsx', cli, 'describe', 'payments', '-n', ns], env);
  });
  after(async function () {
    await deleteNamespace(kc, ns);
  });

  it('exits 0 and writes no colour to a pipe', function () {
    expect(described.stderr).to.equal('');
    expect(described.code).to.equal(0);
    expect(described.stdout).not.to.include('\u001b[');
  });

  it('shows the request, its approval and its progress', function () {
    expect(described.stdout).to.match(/^Name: +payments$/m);
    expect(described.stdout).to.match(new RegExp(`^Namespace: +${ns}$`, 'm'));
    expect(described.stdout).to.match(/^Phase: +Executing$/m);
    expect(described.stdout).to.match(
      /^Approval: +Approved by alice via slack at 2026-03-01T10:02:30.000Z$/m,
    );
    expect(described.stdout).to.match(/^Progress: +25% \(1 of 4 steps completed, 0 failed\)$/m);
  });

  it('shows the phase timeline of status.phaseHistory, with how long each phase lasted', function () {
    const timeline = section(described.stdout, 'Timeline:');
    expect(timeline.map((line) => line.trim().split(/\s+/)[0])).to.deep.equal([
      'PHASE',
      'Pending',
      'Initializing',
      'Processing',
      'Analyzing',
      'AwaitingApproval',
      'WorkflowPlanning',
      'Executing',
    ]);
    expect(timeline[3]).to.match(/Processing +2026-03-01T10:00:02.000Z +18s$/);
    expect(timeline[5]).to.match(/AwaitingApproval +2026-03-01T10:01:00.000Z +1m30s +ApprovalRequired$/);
    expect(timeline[7]).to.match(/Executing +2026-03-01T10:03:00.000Z +\S+ so far$/);
  });

  it('lists the children with their phases', function () {
    const rows = section(described.stdout, 'Children:').map((line) => line.trim().split(/\s+/));
    expect(rows).to.deep.equal([
      ['KIND', 'NAME', 'PHASE', 'REASON'],
      ['RemediationProcessing', 'payments-processing', 'Completed'],
      ['AIAnalysis', 'payments-aianalysis', 'Ready'],
      ['WorkflowExecution', 'payments-workflow', 'Planned'],
      ['KubernetesExecution', 'payments-step-drain-node', 'Completed'],
      ['KubernetesExecution', 'payments-step-restart-pod', 'Failed'],
      ['KubernetesExecution', 'payments-step-scale-up', 'Running'],
    ]);
  });

  it('draws the plan by level, each step with the phase of its KubernetesExecution', function () {
    expect(section(described.stdout, 'Plan:')).to.deep.equal([
      '  4 steps in 3 levels; a step starts once the steps after "<-" have completed',
      '  1  drain-node   Completed',
      '     |',
      '  2  scale-up     Running    <- drain-node',
      '     restart-pod  Failed     <- drain-node',
      '     |',
      '  3  verify                  <- scale-up, restart-pod',
    ]);
  });

  it("lists this request's notifications only", function () {
    expect(
      section(described.stdout, 'Notifications:').map((line) => line.trim().split(/\s{2,}/)),
    ).to.deep.equal([
      ['TYPE', 'NAME', 'PHASE', 'PRIORITY', 'TITLE'],
      [
        'approval',
        'payments-approval-0a1b2c3d',
        'Sent',
        'high',
        'Approve the remediation of HighMemoryUsage',
      ],
    ]);
  });

  it('says so, with exit status 1, when the request does not exist', async function () {
    const result = await run(process.execPath, ['--import', 'tsx', cli, 'describe', 'nobody', '-n', ns], env);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal('');
    expect(result.stderr).to.equal(
      `remediation-orchestrator: RemediationRequest "nobody" not found in namespace "${ns}" (kubectl get rr -n ${ns} lists them)\n`,
    );
  });

  it('runs as the kubectl plugin "kubectl rr", in the namespace of the kubeconfig context', async function () {
    const kubectl = controlPlane().binDir ? join(controlPlane().binDir!, 'kubectl') : 'kubectl';
    const dir = await mkdtemp(join(tmpdir(), 'kubectl-rr-'));
    const bin = join(dir, 'bin');
    try {
      // As npm installs it: an executable named kubectl-rr on PATH, which is how the CLI knows its name.
      await mkdir(join(dir, 'lib'));
      await mkdir(bin);
      await symlink(cli, join(dir, 'lib', 'kubectl-rr'));
      await writeFile(
        join(bin, 'kubectl-rr'),
        `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(dir, 'lib', 'kubectl-rr')}" "$@"\n`,
      );
      await chmod(join(bin, 'kubectl-rr'), 0o755);
      const kubeconfig = join(dir, 'kubeconfig');
      await copyFile(controlPlane().kubeconfigPath, kubeconfig);
      const plugin = { PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig };
      const setNamespace = await run(
        kubectl,
        ['config', 'set-context', '--current', `--namespace=${ns}`],
        plugin,
      );
      expect(setNamespace.code, setNamespace.stderr).to.equal(0);
      const result = await run(kubectl, ['rr', 'describe', 'payments'], plugin);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(comparable(result.stdout)).to.equal(comparable(described.stdout));
      const misuse = await run(kubectl, ['rr', 'describe'], plugin);
      expect(misuse.code).to.equal(2);
      expect(misuse.stderr).to.equal(
        'kubectl rr: describe needs the name of a RemediationRequest\nRun "kubectl rr --help" for usage.\n',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** The description without what changes from one run to the next: how long the current phase has lasted. */
function comparable(description: string): string {
  return description.replace(/\S+ so far/, 'T so far').replace(/ +/g, ' ');
}

/** The lines of a section of the description, after its title line, up to the blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  expect(start, `section ${title} in:\n${text}`).to.be.at.least(0);
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end);
}
