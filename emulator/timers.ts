/**
 * Timers that can all be cleared at once, so closing the emulator leaves
 * nothing behind that keeps the process alive.
 * @module
 */

export interface TimerGroup {
  /** Resolves after `ms`; never resolves once the group is cleared. */
  delay(ms: number): Promise<void>;
  /** Runs `action` after `ms`; answers a function that cancels it. */
  schedule(ms: number, action: () => void): () => void;
  clearAll(): void;
}

export function createTimerGroup(): TimerGroup {
  const pending = new Set<NodeJS.Timeout>();

  function schedule(ms: number, action: () => void): () => void {
    const timer = setTimeout(() => {
      pending.delete(timer);
      action();
    }, ms);
    pending.add(timer);

    return () => {
      clearTimeout(timer);
      pending.delete(timer);
    };
  }

  function delay(ms: number): Promise<void> {
    if (ms <= 0) {
      return Promise.resolve();
    }

    return new Promise((resolve) => {
      schedule(ms, resolve);
    });
  }

  function clearAll(): void {
    for (const timer of pending) {
      clearTimeout(timer);
    }
    pending.clear();
  }

  return { delay, schedule, clearAll };
}
