/**
 * Collects items and hands them over once per animation frame: 200 events a second become one store update
 * per frame instead of 200 renders, so a busy exchange log never starves the page.
 */
export interface FrameBatcher<T> {
  push(item: T): void;
  /** Hands over whatever is waiting now (used when the page is hidden and frames stop). */
  flush(): void;
  cancel(): void;
}

export type FrameScheduler = (callback: () => void) => () => void;

/** `requestAnimationFrame`, falling back to a timer where frames do not run (hidden tabs, tests). */
export const animationFrameScheduler: FrameScheduler = (callback) => {
  if (typeof requestAnimationFrame === 'function' && document.visibilityState !== 'hidden') {
    const id = requestAnimationFrame(callback);
    return () => {
      cancelAnimationFrame(id);
    };
  }
  const id = setTimeout(callback, 100);
  return () => {
    clearTimeout(id);
  };
};

export function createFrameBatcher<T>(
  deliver: (items: T[]) => void,
  schedule: FrameScheduler = animationFrameScheduler,
): FrameBatcher<T> {
  let waiting: T[] = [];
  let cancelScheduled: (() => void) | undefined;
  function flush(): void {
    cancelScheduled?.();
    cancelScheduled = undefined;
    if (waiting.length === 0) return;
    const items = waiting;
    waiting = [];
    deliver(items);
  }
  return {
    push(item) {
      waiting.push(item);
      cancelScheduled ??= schedule(flush);
    },
    flush,
    cancel() {
      cancelScheduled?.();
      cancelScheduled = undefined;
      waiting = [];
    },
  };
}
