// Mocha root hooks of the integration suite: one control plane for the whole run, CRDs installed.
import { startControlPlane, type ControlPlane } from '../../src/testing/index.js';

let plane: ControlPlane | undefined;

export function controlPlane(): ControlPlane {
  if (!plane)
    throw new Error(
      'the control plane is not started: run integration tests through test/integration/.mocharc.json',
    );
  return plane;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(40 * 60_000); // the first run on a machine builds Kubernetes from source
    plane = await startControlPlane({ installCrds: true, log: (line) => console.log(`      ${line}`) });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await plane?.stop();
  },
};
