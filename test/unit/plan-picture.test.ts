import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import {
  NOTIFICATION_MESSAGE_MAX_LENGTH,
  NOTIFICATION_METADATA_VALUE_MAX_LENGTH,
  characterLength,
  fitPlanAscii,
  fitPlanMermaid,
  notificationPlanPicture,
  planLevels,
  renderPlanAscii,
  renderPlanMermaid,
  type PictureStep,
} from '../../src/actors/plan-picture.js';

const step = (name: string, dependsOn: string[] = [], phase?: string): PictureStep =>
  phase === undefined ? { name, dependsOn } : { name, dependsOn, phase };
const names = (steps: PictureStep[]) => steps.map((s) => s.name);
const diamond = [
  step('drain-node', [], 'Completed'),
  step('scale-up', ['drain-node'], 'Running'),
  step('restart-pod', ['drain-node'], 'Pending'),
  step('verify', ['scale-up', 'restart-pod']),
];

/** 50 steps with the longest names the CRD allows, each after up to three earlier ones. */
function largestPlan(): PictureStep[] {
  const name = (i: number) => `step-${String(i).padStart(2, '0')}-`.padEnd(63, 'x');
  return Array.from({ length: 50 }, (_, i) =>
    step(name(i), [i - 1, i - 2, i - 3].filter((d) => d >= 0).map(name), i < 10 ? 'Completed' : undefined),
  );
}

describe('plan-picture: the plan as an ASCII graph and as Mermaid', function () {
  describe('planLevels', function () {
    it('layers a diamond by dependency depth, in plan order within a level', function () {
      const { levels, cyclic } = planLevels(diamond);
      expect(levels.map(names)).to.deep.equal([['drain-node'], ['scale-up', 'restart-pod'], ['verify']]);
      expect(cyclic).to.deep.equal([]);
    });

    it('puts a step one level below its deepest dependency, wherever the plan lists it', function () {
      const { levels } = planLevels([step('d', ['a', 'c']), step('c', ['b']), step('b', ['a']), step('a')]);
      expect(levels.map(names)).to.deep.equal([['a'], ['b'], ['c'], ['d']]);
    });

    it('ignores dependencies that are not in the plan', function () {
      expect(planLevels([step('a', ['ghost']), step('b', ['a'])]).levels.map(names)).to.deep.equal([
        ['a'],
        ['b'],
      ]);
    });

    it('sets apart the steps in, or waiting on, a dependency cycle', function () {
      const { levels, cyclic } = planLevels([
        step('a'),
        step('b', ['c']),
        step('c', ['b']),
        step('d', ['b']),
      ]);
      expect(levels.map(names)).to.deep.equal([['a']]);
      expect(names(cyclic)).to.deep.equal(['b', 'c', 'd']);
    });
  });

  describe('renderPlanAscii', function () {
    it('draws one line per step, by level, with phases and dependencies aligned', function () {
      expect(renderPlanAscii(diamond)).to.equal(
        [
          '4 steps in 3 levels; a step starts once the steps after "<-" have completed',
          '1  drain-node   Completed',
          '   |',
          '2  scale-up     Running    <- drain-node',
          '   restart-pod  Pending    <- drain-node',
          '   |',
          '3  verify                  <- scale-up, restart-pod',
        ].join('\n'),
      );
    });

    it('leaves out the phase column when no step has a phase', function () {
      expect(renderPlanAscii([step('a'), step('b', ['a'])])).to.equal(
        [
          '2 steps in 2 levels; a step starts once the steps after "<-" have completed',
          '1  a',
          '   |',
          '2  b  <- a',
        ].join('\n'),
      );
    });

    it('marks the steps of a cycle with level "!" and counts them in the header', function () {
      expect(renderPlanAscii([step('a'), step('b', ['c']), step('c', ['b'])])).to.equal(
        [
          '3 steps in 1 level; 2 in a dependency cycle (level !); a step starts once the steps after "<-" have completed',
          '1  a',
          '   |',
          '!  b  <- c',
          '   c  <- b',
        ].join('\n'),
      );
    });

    it('says so for a plan without steps', function () {
      expect(renderPlanAscii([])).to.equal('The plan has no steps.');
    });

    it('paints names and phases through the colour hook, keeping the columns aligned', function () {
      const painted: Array<[string, string | undefined]> = [];
      const text = renderPlanAscii(diamond, {
        colour: (t, phase) => {
          painted.push([t, phase]);
          return `<${t}>`;
        },
      });
      expect(painted).to.deep.include.members([
        ['drain-node', 'Completed'],
        ['Completed', 'Completed'],
        ['verify', undefined],
      ]);
      expect(text.split('\n')[3]).to.equal('2  <scale-up>     <Running>    <- drain-node');
      expect(text.split('\n')[6]).to.equal('3  <verify>                  <- scale-up, restart-pod');
    });
  });

  describe('renderPlanMermaid', function () {
    it('draws a flowchart with an edge from each dependency and one class per phase', function () {
      expect(renderPlanMermaid(diamond)).to.equal(
        [
          'flowchart TD',
          '  s1["drain-node"]',
          '  s2["scale-up"]',
          '  s3["restart-pod"]',
          '  s4["verify"]',
          '  s1 --> s2',
          '  s1 --> s3',
          '  s2 & s3 --> s4',
          '  classDef Completed fill:#dcfce7,stroke:#16a34a',
          '  class s1 Completed',
          '  classDef Running fill:#dbeafe,stroke:#2563eb',
          '  class s2 Running',
          '  classDef Pending fill:#eeeeee,stroke:#888888',
          '  class s3 Pending',
        ].join('\n'),
      );
    });

    it('keeps names out of node ids and escapes what Mermaid would read as syntax', function () {
      const text = renderPlanMermaid([step('end'), step('a"b<c>#d', ['end'], 'Waiting for-it'), step('9')]);
      expect(text).to.include('  s1["end"]');
      expect(text).to.include('  s2["9"]');
      expect(text).to.include('  s3["a#34;b#60;c#62;#35;d"]');
      expect(text).to.include('  s1 --> s3');
      expect(text).to.include('  classDef Waiting_for_it fill:#fef9c3,stroke:#ca8a04');
      expect(text).to.include('  class s3 Waiting_for_it');
    });

    it('gives a phase that does not start with a letter a class name that does', function () {
      expect(renderPlanMermaid([step('a', [], '1st')])).to.include('  class s1 phase_1st');
    });
  });

  describe('fitting the notification limits', function () {
    it('keeps the limits of the NotificationRequest CRD', async function () {
      const text = await readFile(
        new URL('../../config/crd/notification.kubernaut.ai_notificationrequests.yaml', import.meta.url),
        'utf8',
      );
      const crd = parseAllDocuments(text)[0]!.toJSON() as {
        spec: {
          versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: never } } } } }>;
        };
      };
      const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties as {
        message: { maxLength: number };
        metadata: { additionalProperties: { maxLength: number } };
      };
      expect(NOTIFICATION_MESSAGE_MAX_LENGTH).to.equal(spec.message.maxLength);
      expect(NOTIFICATION_METADATA_VALUE_MAX_LENGTH).to.equal(spec.metadata.additionalProperties.maxLength);
    });

    it('fits the largest plan the CRD allows into the message and one metadata value, with a note', function () {
      const plan = largestPlan();
      const { ascii, mermaid } = notificationPlanPicture(plan);
      for (const fitted of [ascii, mermaid]) {
        expect(fitted.shownSteps + fitted.omittedSteps).to.equal(50);
        expect(fitted.omittedSteps).to.be.greaterThan(0);
        expect(fitted.text).to.include(`… and ${fitted.omittedSteps} more steps`);
      }
      expect(characterLength(ascii.text)).to.be.at.most(NOTIFICATION_MESSAGE_MAX_LENGTH);
      expect(characterLength(ascii.text)).to.be.greaterThan(NOTIFICATION_MESSAGE_MAX_LENGTH - 300);
      expect(characterLength(mermaid.text)).to.be.at.most(NOTIFICATION_METADATA_VALUE_MAX_LENGTH);
      expect(ascii.text.split('\n')[0]).to.match(/^50 steps in 50 levels/);
      expect(mermaid.text).to.match(/ {2}more\["… and \d+ more steps"\]/);
    });

    it('shows the first steps in level order, so each shown step has its dependencies shown', function () {
      const plan = [
        step('c-is-the-step-with-the-longest-name', ['b']),
        step('b', ['a']),
        step('a'),
        step('z'),
      ];
      const ascii = fitPlanAscii(plan, renderPlanAscii(plan).length - 1);
      expect(ascii.shownSteps).to.equal(3);
      expect(ascii.text).to.equal(
        [
          '4 steps in 3 levels; a step starts once the steps after "<-" have completed',
          '1  a',
          '   z',
          '   |',
          '2  b  <- a',
          '… and 1 more step',
        ].join('\n'),
      );
      const mermaid = fitPlanMermaid(plan, renderPlanMermaid(plan).length - 1);
      expect(mermaid.text).to.equal(
        [
          'flowchart TD',
          '  s1["a"]',
          '  s2["z"]',
          '  s3["b"]',
          '  s1 --> s3',
          '  more["… and 1 more step"]',
        ].join('\n'),
      );
    });

    it('leaves a plan that fits as it is', function () {
      const fitted = notificationPlanPicture(diamond);
      expect(fitted.ascii).to.deep.equal({ text: renderPlanAscii(diamond), shownSteps: 4, omittedSteps: 0 });
      expect(fitted.mermaid).to.deep.equal({
        text: renderPlanMermaid(diamond),
        shownSteps: 4,
        omittedSteps: 0,
      });
    });

    it('takes smaller limits for a message that carries more than the plan', function () {
      const fitted = notificationPlanPicture(largestPlan(), { asciiMaxLength: 2000, mermaidMaxLength: 500 });
      expect(characterLength(fitted.ascii.text)).to.be.within(1800, 2000);
      expect(characterLength(fitted.mermaid.text)).to.be.within(400, 500);
    });

    it('cuts even the header rather than exceed a tiny limit', function () {
      for (const max of [0, 1, 10, 40]) {
        expect(characterLength(fitPlanAscii(diamond, max).text)).to.be.at.most(max);
        expect(characterLength(fitPlanMermaid(diamond, max).text)).to.be.at.most(max);
      }
      expect(fitPlanAscii(diamond, 10)).to.deep.equal({ text: '4 steps i…', shownSteps: 0, omittedSteps: 4 });
    });

    it('counts characters as the API server does, not UTF-16 units', function () {
      expect(characterLength('… and 😀')).to.equal(7);
    });
  });
});
