// The run's own namespace: created fresh with a label naming the run, deleted afterwards.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_VERSION, KINDS, type KindName } from '../../src/api/index.js';

/** Creates a namespace with a random name labelled with the run's name; returns its name. */
export async function createRunNamespace(kc: KubeConfig, runName: string): Promise<string> {
  const namespace = `bench-${randomBytes(4).toString('hex')}`;
  await kc.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name: namespace, labels: { 'kubernaut.ai/benchmark': runName } } },
  });
  return namespace;
}

/** Deletes the namespace and waits for it to go; strips our finalizer from whatever blocks it. */
export async function deleteRunNamespace(
  kc: KubeConfig,
  namespace: string,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  const gone = async (): Promise<boolean> =>
    core.readNamespace({ name: namespace }).then(
      () => false,
      (err: unknown) => (err as { code?: number }).code === 404,
    );
  const started = performance.now();
  let stripped = false;
  while (!(await gone())) {
    const waited = performance.now() - started;
    if (!stripped && waited > timeoutMs / 2) {
      stripped = true;
      const kind: KindName = 'RemediationRequest';
      const c = { group: KINDS[kind].group, version: API_VERSION, plural: KINDS[kind].plural, namespace };
      const left = (await custom.listNamespacedCustomObject(c).catch(() => ({ items: [] }))) as {
        items: { metadata: { name: string } }[];
      };
      log(
        `bench: namespace ${namespace} still terminating after ${Math.round(waited / 1000)} s; removing finalizers from ${left.items.length} requests`,
      );
      for (const item of left.items) {
        await custom
          .patchNamespacedCustomObject(
            { ...c, name: item.metadata.name, body: { metadata: { finalizers: null } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          )
          .catch(() => undefined);
      }
    }
    if (waited > timeoutMs) {
      log(`bench: namespace ${namespace} not gone after ${Math.round(waited / 1000)} s; leaving it`);
      return;
    }
    await sleep(500);
  }
}
