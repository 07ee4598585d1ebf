import { expect } from 'chai';
import { missingCrds } from '../../src/cluster/installed-kinds.js';
import type { Method } from '../../src/k8s/kube-http.js';

describe('the start-up check of the installed CRDs', function () {
  it('names each CRD whose kind the API server does not serve', async function () {
    const http = {
      request: <T>(_method: Method, path: string): Promise<T> => {
        if (path === '/apis/aianalysis.kubernaut.ai/v1alpha1' || path.startsWith('/apis/aianalysis'))
          return Promise.reject(Object.assign(new Error('404'), { code: 404 }));
        if (path.startsWith('/apis/notification.kubernaut.ai'))
          return Promise.resolve({ resources: [{ name: 'something-else' }] } as T);
        const plural = /^\/apis\/([a-z]+)\./.exec(path)![1];
        const name = { remediation: 'remediationrequests' }[plural!] ?? `${plural}s`;
        return Promise.resolve({ resources: [{ name }, { name: `${name}/status` }] } as T);
      },
    };
    expect(await missingCrds(http)).to.deep.equal([
      'aianalyses.aianalysis.kubernaut.ai',
      'notificationrequests.notification.kubernaut.ai',
    ]);
  });
});
