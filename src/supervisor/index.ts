// Actor lifecycle: one RemediationActor per request UID, spawned, fed, restarted, passivated and
// stopped here; plus the retention schedule that deletes finished requests when they expire.
export {
  Supervisor,
  type SupervisorDeps,
  type SupervisorLog,
  type SupervisorObserver,
} from './supervisor.js';
export { DeadlineHeap } from './deadline-heap.js';
