/**
 * Coalesced updates of one display (a progress bar, a live figure): at most one publish per
 * interval, and the latest state is never lost. A state offered within the interval waits; a
 * later offer replaces it; a timer publishes it once the interval has passed if no offer comes
 * (the loop ended, failed or stopped early between two ticks). `force` publishes at once (the
 * first and the final state). Keeps the kernel's iopub traffic to a few messages a second per
 * display however fast the caller reports.
 */
export interface Coalescer<T> {
  offer(state: T, force?: boolean): void;
  /** Publish the waiting state now, if any. */
  flush(): void;
  /** A state is waiting for the next tick. */
  readonly pending: boolean;
}

export function coalesce<T>(publish: (state: T) => void, intervalMs: number, now: () => number = Date.now): Coalescer<T> {
  let last = -Infinity;
  let waiting: { state: T } | null = null;
  let timer: NodeJS.Timeout | undefined;
  const emit = (state: T) => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    waiting = null;
    last = now();
    publish(state);
  };
  const flush = () => {
    if (waiting) emit(waiting.state);
  };
  return {
    offer(state, force = false) {
      const t = now();
      if (force || t - last >= intervalMs) return emit(state);
      waiting = { state };
      if (!timer) {
        timer = setTimeout(flush, Math.max(0, intervalMs - (t - last)));
        timer.unref?.(); // never keeps a process alive for a progress update
      }
    },
    flush,
    get pending() {
      return waiting !== null;
    },
  };
}
