/**
 * Wraps a progress callback (the `onEvent` of a build or a push) so that it cannot break the
 * operation it watches: what it throws, or the promise it rejects when it is async, is dropped.
 * Its events are informational; a failing progress display must not fail a build. `undefined`
 * gives a callback that does nothing. @internal
 */
export function guardedCallback<E>(callback: ((event: E) => void) | undefined): (event: E) => void {
  if (!callback) return () => {};
  return (event) => {
    try {
      const returned: unknown = callback(event);
      if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') Promise.resolve(returned).catch(() => {});
    } catch {
      // dropped: see above
    }
  };
}
