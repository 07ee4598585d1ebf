import { readdir, readFile } from 'node:fs/promises';
import {
  ApiextensionsV1Api,
  loadYaml,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

const crdDir = new URL('../../config/crd/', import.meta.url);

/**
 * The CRDs as client-node models. The typed APIs serialize through the model's attribute map, so a
 * plain parsed object silently loses `enum`, `x-kubernetes-validations` and
 * `x-kubernetes-preserve-unknown-fields`; `loadYaml` deserializes into the model first.
 */
export async function crdManifests(): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(crdDir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (f) => loadYaml<V1CustomResourceDefinition>(await readFile(new URL(f, crdDir), 'utf8'))),
  );
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

/** Creates or updates the CRDs of config/crd/ and waits until every one is Established. */
export async function installCrds(kubeConfig: KubeConfig, timeoutMs = 60_000): Promise<void> {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const manifests = await crdManifests();
  for (const body of manifests) {
    const name = body.metadata?.name ?? '';
    try {
      await api.createCustomResourceDefinition({ body });
    } catch (err) {
      if ((err as { code?: number }).code !== 409)
        throw new Error(`installing CRD ${name} failed: ${String(err)}`, { cause: err });
      const current = await api.readCustomResourceDefinition({ name });
      await api.replaceCustomResourceDefinition({
        name,
        body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } },
      });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const body of manifests) {
    const name = body.metadata?.name ?? '';
    for (;;) {
      if (isEstablished(await api.readCustomResourceDefinition({ name }))) break;
      if (Date.now() > deadline)
        throw new Error(`CRD ${name} did not become Established within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
