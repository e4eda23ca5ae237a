import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MemorySink } from '../../src/logs/sinks/memory-sink.js';
import type { LogLine } from '../../src/logs/log-sink.js';

const line = (text: string, stream: 'stdout' | 'stderr' = 'stdout', receivedAt = 1): LogLine => ({ stream, text, receivedAt });

describe('MemorySink', () => {
  it('keeps every line, in order, with all its fields', () => {
    const sink = new MemorySink();
    const lines = [line('a', 'stdout', 1), line('b', 'stderr', 2), { ...line('c', 'stdout', 3), continued: true }];
    for (const l of lines) sink.write(l);
    expect(sink.lines).toEqual(lines);
    expect(sink.dropped).toBe(0);
  });

  it('starts empty', () => {
    const sink = new MemorySink();
    expect(sink.lines).toEqual([]);
    expect(sink.text()).toBe('');
  });

  it('returns a copy of its lines, so callers cannot change what it keeps', () => {
    const sink = new MemorySink({ maxLines: 3 });
    sink.write(line('a'));
    sink.lines.push(line('intruder'));
    expect(sink.lines.map((l) => l.text)).toEqual(['a']);
  });

  it('keeps only the newest maxLines lines, oldest first, and counts the dropped ones', () => {
    const sink = new MemorySink({ maxLines: 3 });
    for (const t of ['1', '2', '3', '4', '5']) sink.write(line(t));
    expect(sink.lines.map((l) => l.text)).toEqual(['3', '4', '5']);
    expect(sink.dropped).toBe(2);
  });

  it('drops nothing until maxLines is reached', () => {
    const sink = new MemorySink({ maxLines: 3 });
    for (const t of ['1', '2', '3']) sink.write(line(t));
    expect(sink.lines.map((l) => l.text)).toEqual(['1', '2', '3']);
    expect(sink.dropped).toBe(0);
  });

  it('keeps the last line only with maxLines 1', () => {
    const sink = new MemorySink({ maxLines: 1 });
    for (const t of ['1', '2', '3']) sink.write(line(t));
    expect(sink.lines.map((l) => l.text)).toEqual(['3']);
    expect(sink.dropped).toBe(2);
  });

  it('refuses a maxLines below 1 or not a number', () => {
    expect(() => new MemorySink({ maxLines: 0 })).toThrow(RangeError);
    expect(() => new MemorySink({ maxLines: -5 })).toThrow('maxLines must be at least 1, got -5');
    expect(() => new MemorySink({ maxLines: Number.NaN })).toThrow(RangeError);
  });

  it('keeps the newest lines in order for any number of writes and any cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 40 }), (max, count) => {
        const sink = new MemorySink({ maxLines: max });
        const all = Array.from({ length: count }, (_, i) => String(i));
        for (const t of all) sink.write(line(t));
        expect(sink.lines.map((l) => l.text)).toEqual(all.slice(Math.max(0, count - max)));
        expect(sink.dropped).toBe(Math.max(0, count - max));
      }),
      { numRuns: 200 },
    );
  });

  describe('text', () => {
    it('joins the text of both streams with \\n when no stream is given', () => {
      const sink = new MemorySink();
      sink.write(line('out1', 'stdout'));
      sink.write(line('err1', 'stderr'));
      sink.write(line('out2', 'stdout'));
      expect(sink.text()).toBe('out1\nerr1\nout2');
    });

    it('keeps only the given stream', () => {
      const sink = new MemorySink();
      sink.write(line('out1', 'stdout'));
      sink.write(line('err1', 'stderr'));
      sink.write(line('out2', 'stdout'));
      expect(sink.text('stdout')).toBe('out1\nout2');
      expect(sink.text('stderr')).toBe('err1');
    });

    it('gives an empty string for a stream with no lines', () => {
      const sink = new MemorySink();
      sink.write(line('only out', 'stdout'));
      expect(sink.text('stderr')).toBe('');
    });

    it('covers only the kept lines after the ring wrapped', () => {
      const sink = new MemorySink({ maxLines: 2 });
      sink.write(line('old', 'stderr'));
      sink.write(line('a', 'stdout'));
      sink.write(line('b', 'stderr'));
      expect(sink.text()).toBe('a\nb');
      expect(sink.text('stderr')).toBe('b');
    });
  });
});
