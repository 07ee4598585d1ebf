// The three calls leader election makes on its coordination.k8s.io/v1 Lease, on KubeHttp so that each
// one can be given up (an AbortSignal) when the renew deadline comes, whatever undici's own timeouts.
import { httpStatusOf } from './errors.js';
import type { Method, RequestOptions } from './kube-http.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime: RFC 3339 with six fractional digits. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; [field: string]: unknown };
  spec?: LeaseSpec;
}

export interface LeaseClient {
  /** The Lease, or undefined when there is none (404). */
  get(signal: AbortSignal): Promise<Lease | undefined>;
  create(spec: LeaseSpec, signal: AbortSignal): Promise<Lease>;
  /** An optimistic update: fails with 409 when `lease` is not the latest version. */
  replace(lease: Lease, signal: AbortSignal): Promise<Lease>;
}

/** What LeaseClient needs of KubeHttp. */
export interface JsonRequester {
  request<T>(method: Method, path: string, options?: RequestOptions): Promise<T>;
}

export function leaseClient(http: JsonRequester, namespace: string, name: string): LeaseClient {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  return {
    async get(signal) {
      try {
        return await http.request<Lease>('GET', path, { signal });
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw err;
      }
    },
    create: (spec, signal) =>
      http.request<Lease>('POST', collection, {
        signal,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
      }),
    replace: (lease, signal) => http.request<Lease>('PUT', path, { signal, body: lease }),
  };
}

/** A Kubernetes MicroTime: the API server parses exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
