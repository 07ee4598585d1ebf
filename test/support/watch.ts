// A long-lived watch of one resource for tests that follow the cluster for minutes: one informer
// (list, then watch, reconnecting after API server restarts and cut connections), any number of
// waits on it, and a handler per event for counting.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  Informer,
  type InformerHandler,
  type KubeObject,
  type ResourceCoordinates,
} from '../../src/k8s/informer.js';
import { systemClock } from '../../src/util/clock.js';

interface Waiter {
  check(): boolean;
}

export class Watched<T extends KubeObject> {
  private readonly informer: Informer<T>;
  private readonly waiters = new Set<Waiter>();
  private readonly handlers: InformerHandler<T>[] = [];

  constructor(kubeConfig: KubeConfig, resource: ResourceCoordinates) {
    this.informer = new Informer<T>({
      kubeConfig,
      resource,
      clock: systemClock,
      backoff: { initialMs: 100, maxMs: 1000, jitter: 0.2 },
    });
    // Handlers first, so that a wait can read what they count.
    this.informer.on((type, object, previous) => {
      for (const h of this.handlers) h(type, object, previous);
      for (const w of [...this.waiters]) if (w.check()) this.waiters.delete(w);
    });
  }

  /** Resolves once the first list is in. */
  start(): Promise<void> {
    return this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  on(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  list(): T[] {
    return this.informer.list();
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.informer.get(namespace, name);
  }

  /** Resolves with `predicate`'s first truthy answer, checked now and after every event. */
  until<R>(
    predicate: (objects: T[]) => R | undefined | false,
    timeoutMs: number,
    what: string,
    diagnose: () => string = () => '',
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (!this.informer.hasSynced) return false;
          const result = predicate(this.informer.list());
          if (!result) return false;
          clearTimeout(timer);
          resolve(result);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what}\n${diagnose()}`));
      }, timeoutMs);
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }
}
