// The last check of the leader gate before a write leaves the process. KubeHttp asks the gate before it
// hands a call to undici, but undici may send it later: when a connection or an HTTP/2 stream is free.
// A process paused (SIGSTOP, a long GC, a frozen VM) in that gap would send the write when it resumes,
// after another replica took over. undici calls `onRequestStart` synchronously before it writes the
// request to the socket, and drops a request aborted there unsent; the gate is asked again there.
import type { Dispatcher } from 'undici';

export class FencedWriteError extends Error {
  constructor(what: string) {
    super(`${what}: refused, not sent: this replica no longer holds the leader Lease`);
    this.name = 'FencedWriteError';
  }
}

const fenced = new WeakMap<Dispatcher, WeakMap<() => boolean, Dispatcher>>();

/** `dispatcher`, whose every request is refused unsent unless `gate()` holds as it is about to be sent. */
export function fencedDispatcher(dispatcher: Dispatcher, gate: () => boolean): Dispatcher {
  let byGate = fenced.get(dispatcher);
  if (!byGate) fenced.set(dispatcher, (byGate = new WeakMap()));
  let composed = byGate.get(gate);
  if (!composed) {
    composed = dispatcher.compose(
      (dispatch) => (options, handler) =>
        dispatch(options, new FenceHandler(handler, gate, `${options.method} ${options.path}`)),
    );
    byGate.set(gate, composed);
  }
  return composed;
}

class FenceHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly gate: () => boolean,
    private readonly what: string,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    if (!this.gate()) return controller.abort(new FencedWriteError(this.what));
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[2],
    socket: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3],
  ): void {
    this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2],
    statusMessage?: string,
  ): void {
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>[1],
  ): void {
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.handler.onResponseError?.(controller, error);
  }
}
