import { describe, expect, it } from 'vitest';
import { guardedCallback } from '../../src/engine/guarded-callback.js';

describe('guardedCallback', () => {
  it('passes every event on, in order', () => {
    const seen: number[] = [];
    const emit = guardedCallback((n: number) => void seen.push(n));
    emit(1);
    emit(2);
    expect(seen).toEqual([1, 2]);
  });

  it('drops what the callback throws, and keeps calling it', () => {
    const seen: number[] = [];
    const emit = guardedCallback((n: number) => {
      seen.push(n);
      throw new Error('display broke');
    });
    expect(() => emit(1)).not.toThrow();
    emit(2);
    expect(seen).toEqual([1, 2]);
  });

  it('drops the rejection of an async callback instead of leaving it unhandled', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const emit = guardedCallback(async () => {
        throw new Error('async display broke');
      });
      emit(undefined);
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('does nothing without a callback', () => {
    expect(() => guardedCallback<number>(undefined)(1)).not.toThrow();
  });
});
