// At start: are the six kinds served? Asked through API discovery (allowed to every authenticated
// user, so no RBAC on CustomResourceDefinitions is needed), before any informer waits on them.
import { API_VERSION, KINDS } from '../api/index.js';
import { httpStatusOf } from '../k8s/errors.js';
import type { JsonRequester } from '../k8s/lease-client.js';

interface ResourceList {
  resources?: { name: string }[];
}

/** The CRDs (plural.group) whose kind the API server does not serve; empty when all six are there. */
export async function missingCrds(http: JsonRequester): Promise<string[]> {
  const missing: string[] = [];
  for (const { group, plural } of Object.values(KINDS)) {
    let served: ResourceList;
    try {
      served = await http.request<ResourceList>('GET', `/apis/${group}/${API_VERSION}`);
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
      served = {};
    }
    if (!served.resources?.some((r) => r.name === plural)) missing.push(`${plural}.${group}`);
  }
  return missing;
}
