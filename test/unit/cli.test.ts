import { expect } from 'chai';
import { parseCommand, programName, UsageError } from '../../src/cli/args.js';
import { ansiPhaseColour, colourWanted, noColour } from '../../src/cli/colour.js';
import { formatDescription, planSteps, type RemediationSnapshot } from '../../src/cli/describe.js';
import { EXIT_OK, EXIT_USAGE, runCli } from '../../src/cli/run.js';

function io(isTTY = false) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t), isTTY },
      stderr: { write: (t: string) => (out.stderr += t) },
      env: {},
      scriptPath: '/usr/local/bin/remediation-orchestrator',
    },
  };
}

const blocked: RemediationSnapshot = {
  request: {
    metadata: { name: 'payments', namespace: 'shop' },
    spec: {
      targetingData: {
        signalFingerprint: 'fp:1',
        alertName: 'HighMemoryUsage',
        environment: 'production',
        severity: 'critical',
        resource: { kind: 'Deployment', namespace: 'shop', name: 'payment-api' },
      },
    },
    status: {
      phase: 'Blocked' as never,
      blockedReason: 'ConsecutiveFailures',
      blockedUntil: '2026-03-01T11:00:00.000Z',
      duplicateOf: { name: 'payments-earlier' },
      startTime: '2026-03-01T10:00:00.000Z',
      phaseHistory: [
        { phase: 'Pending', enteredAt: '2026-03-01T10:00:00.000Z', exitedAt: '2026-03-01T10:00:01.250Z' },
        { phase: 'Blocked', enteredAt: '2026-03-01T10:00:01.250Z', reason: 'ConsecutiveFailures' },
      ],
    },
  },
  children: [],
  unreadable: ['cannot list notificationrequests: GET /apis/...: 403 forbidden'],
};

describe('the remediation-orchestrator command', function () {
  describe('parseCommand', function () {
    it('reads describe NAME with its options in any order', function () {
      const expected = { command: 'describe', name: 'rr', namespace: 'ns', kubeconfig: 'k', context: 'c' };
      expect(
        parseCommand(['describe', 'rr', '-n', 'ns', '--kubeconfig', 'k', '--context', 'c']),
      ).to.deep.equal(expected);
      expect(parseCommand(['-n=ns', '--context=c', 'describe', '--kubeconfig=k', 'rr'])).to.deep.equal(
        expected,
      );
      expect(parseCommand(['describe', 'rr', '--namespace', 'ns'])).to.include({ namespace: 'ns' });
      expect(parseCommand(['describe', 'rr'])).to.include({ namespace: undefined, kubeconfig: undefined });
    });

    it('answers help before anything else', function () {
      expect(parseCommand(['--help'])).to.deep.equal({ command: 'help' });
      expect(parseCommand(['describe', '-h'])).to.deep.equal({ command: 'help' });
    });

    for (const [argv, message] of [
      [[], 'no command given'],
      [['get', 'rr'], 'unknown command "get"'],
      [['describe'], 'describe needs the name of a RemediationRequest'],
      [['describe', 'a', 'b'], 'describe takes one name, got 2: a b'],
      [['describe', 'a', '--watch'], "Unknown option '--watch'"],
      [['describe', 'a', '-n'], "Option '-n, --namespace <value>' argument missing"],
      [['describe', 'a', '--namespace='], '--namespace needs a value'],
    ] as Array<[string[], string]>) {
      it(`refuses ${JSON.stringify(argv)}`, function () {
        expect(() => parseCommand(argv))
          .to.throw(UsageError)
          .with.property('message')
          .that.includes(message);
      });
    }
  });

  it('calls itself "kubectl rr" when run as the plugin executable', function () {
    expect(programName('/home/me/bin/kubectl-rr')).to.equal('kubectl rr');
    expect(programName('/repo/node_modules/.bin/remediation-orchestrator')).to.equal(
      'remediation-orchestrator',
    );
    expect(programName('/repo/dist/cli/main.js')).to.equal('remediation-orchestrator');
    expect(programName(undefined)).to.equal('remediation-orchestrator');
  });

  describe('runCli', function () {
    it('prints the usage for --help and exits 0', async function () {
      const { out, io: streams } = io();
      expect(await runCli(['--help'], streams)).to.equal(EXIT_OK);
      expect(out.stdout).to.match(/^Usage: remediation-orchestrator describe NAME \[-n NAMESPACE\]/);
      expect(out.stderr).to.equal('');
    });

    it('exits 2 with what was wrong and where to look on bad usage', async function () {
      const { out, io: streams } = io();
      expect(await runCli(['describe'], streams)).to.equal(EXIT_USAGE);
      expect(out.stdout).to.equal('');
      expect(out.stderr).to.equal(
        'remediation-orchestrator: describe needs the name of a RemediationRequest\n' +
          'Run "remediation-orchestrator --help" for usage.\n',
      );
    });
  });

  describe('colour', function () {
    it('is wanted on a terminal unless NO_COLOR is set to something', function () {
      expect(colourWanted({ isTTY: true }, {})).to.equal(true);
      expect(colourWanted({ isTTY: true }, { NO_COLOR: '' })).to.equal(true);
      expect(colourWanted({ isTTY: true }, { NO_COLOR: '1' })).to.equal(false);
      expect(colourWanted({ isTTY: false }, {})).to.equal(false);
      expect(colourWanted({}, {})).to.equal(false);
    });

    it('paints by phase and leaves unknown phases alone', function () {
      expect(ansiPhaseColour('ok', 'Completed')).to.equal('\u001b[32mok\u001b[0m');
      expect(ansiPhaseColour('no', 'Failed')).to.equal('\u001b[31mno\u001b[0m');
      expect(ansiPhaseColour('x', 'Unheard')).to.equal('x');
      expect(ansiPhaseColour('x', undefined)).to.equal('x');
      expect(noColour('x', 'Failed')).to.equal('x');
    });
  });

  describe('formatDescription', function () {
    it('shows why a request is blocked, its timeline so far, and what it could not read', function () {
      const text = formatDescription(blocked, {
        colour: noColour,
        now: new Date('2026-03-01T10:05:01.250Z'),
      });
      expect(text).to.equal(
        [
          'Name:         payments',
          'Namespace:    shop',
          'Alert:        HighMemoryUsage (production, critical)',
          'Fingerprint:  fp:1',
          'Target:       Deployment shop/payment-api',
          'Phase:        Blocked',
          'Blocked:      ConsecutiveFailures, until 2026-03-01T11:00:00.000Z, waiting on payments-earlier',
          'Started:      2026-03-01T10:00:00.000Z',
          '',
          'Timeline:',
          '  PHASE    ENTERED                   LASTED     REASON',
          '  Pending  2026-03-01T10:00:00.000Z  1.3s',
          '  Blocked  2026-03-01T10:00:01.250Z  5m so far  ConsecutiveFailures',
          '',
          'Children: none yet',
          '',
          'Plan: not planned yet',
          '',
          'Notifications: none',
          '',
          'Warnings:',
          '  cannot list notificationrequests: GET /apis/...: 403 forbidden',
          '',
        ].join('\n'),
      );
    });

    it('paints phase cells without breaking the columns', function () {
      const text = formatDescription(blocked, {
        colour: (t, phase) => (phase ? `<${t}>` : t),
        now: new Date('2026-03-01T10:05:01.250Z'),
      });
      expect(text).to.include('Phase:        <Blocked>\n');
      expect(text).to.include('  <Pending>  2026-03-01T10:00:00.000Z  1.3s\n');
    });

    it('names a request without status and a finished one without a running clock', function () {
      const fresh = formatDescription(
        { ...blocked, request: { metadata: { name: 'new' }, spec: blocked.request.spec }, unreadable: [] },
        { colour: noColour, now: new Date() },
      );
      expect(fresh).to.include('Phase:        not picked up yet (no status)\n');
      expect(fresh).to.include('Timeline: no phase recorded yet\n');
      const done = formatDescription(
        {
          ...blocked,
          request: {
            ...blocked.request,
            status: {
              phase: 'Skipped' as never,
              reason: 'Deduplicated',
              duplicateOf: { name: 'payments-earlier' },
              completionTime: '2026-03-01T10:02:00.000Z',
              phaseHistory: [
                { phase: 'Skipped', enteredAt: '2026-03-01T10:02:00.000Z', reason: 'Deduplicated' },
              ],
            },
          },
        },
        { colour: noColour, now: new Date() },
      );
      expect(done).to.include('Duplicate of:  payments-earlier\n');
      expect(done).to.include('  Skipped  2026-03-01T10:02:00.000Z          Deduplicated\n');
    });
  });

  it('takes each step phase from its KubernetesExecution, else from the request status', function () {
    const steps = planSteps({
      request: {
        spec: blocked.request.spec,
        status: {
          kubernetesExecutionRefs: [
            { step: 'a', name: 'x-step-a', namespace: 'n', phase: 'Running' },
            { step: 'b', name: 'x-step-b', namespace: 'n', phase: 'Running' },
          ],
        },
      },
      children: [
        {
          kind: 'WorkflowExecution',
          object: {
            status: { plan: { steps: [{ name: 'a' }, { name: 'b', dependsOn: ['a'] }, { name: 'c' }] } },
          },
        },
        {
          kind: 'KubernetesExecution',
          object: { spec: { step: { name: 'a' } }, status: { phase: 'Completed' } },
        },
      ],
      unreadable: [],
    });
    expect(steps).to.deep.equal([
      { name: 'a', dependsOn: [], phase: 'Completed' },
      { name: 'b', dependsOn: ['a'], phase: 'Running' },
      { name: 'c', dependsOn: [] },
    ]);
  });
});
