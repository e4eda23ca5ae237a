import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatGpuRequest, parseGpuRequest, type GpuRequest } from '../../src/core/gpus.js';

const gpu = (text: string): GpuRequest => {
  const r = parseGpuRequest(text);
  if (!r.ok) throw new Error(`expected ${text} to parse: ${r.message}`);
  return r.value;
};
const refusal = (text: string): string => {
  const r = parseGpuRequest(text);
  if (r.ok) throw new Error(`expected ${text} to be refused, got ${JSON.stringify(r.value)}`);
  return r.message;
};

describe('parseGpuRequest (docker --gpus)', () => {
  it('reads all and a bare count, with the gpu capability docker adds', () => {
    expect(gpu('all')).toEqual({ driver: '', count: -1, capabilities: ['gpu'], options: {} });
    expect(gpu('2')).toEqual({ driver: '', count: 2, capabilities: ['gpu'], options: {} });
  });

  it('reads devices (quoted when there are several), with count 0 when none is given', () => {
    expect(gpu('"device=0,1"')).toEqual({ driver: '', count: 0, deviceIds: ['0', '1'], capabilities: ['gpu'], options: {} });
    expect(gpu('device=GPU-3a2b')).toMatchObject({ count: 0, deviceIds: ['GPU-3a2b'] });
  });

  it('reads count=, driver=, capabilities= and options= fields', () => {
    expect(gpu('count=1,driver=nvidia')).toEqual({ driver: 'nvidia', count: 1, capabilities: ['gpu'], options: {} });
    expect(gpu('"capabilities=compute,utility",count=all')).toEqual({ driver: '', count: -1, capabilities: ['compute', 'utility', 'gpu'], options: {} });
    expect(gpu('"options=a=b,c"')).toMatchObject({ count: 1, options: { a: 'b', c: '' } });
    expect(gpu('"options=""a=b,c"""')).toMatchObject({ count: 1, options: { a: 'b,c' } });
    expect(gpu('"capabilities=",count=2')).toMatchObject({ count: 2, capabilities: ['', 'gpu'] });
  });

  it('defaults to one GPU without count or devices', () => {
    expect(gpu('driver=nvidia').count).toBe(1);
  });

  it('refuses what docker refuses, saying why', () => {
    expect(refusal('')).toBe('is empty');
    expect(refusal('count=x')).toContain('neither "all" nor a whole number');
    expect(refusal('count=-1')).toContain('neither "all" nor a whole number');
    expect(refusal('foo=1')).toBe('has an unknown field "foo"');
    expect(refusal('all,count=2')).toBe('gives count twice');
    expect(refusal('driver=a,driver=b')).toBe('gives driver twice');
    expect(refusal('options="a=b,c=d"')).toBe('has a quote inside an unquoted field');
    expect(refusal('"device=0')).toBe('has an unterminated quote');
    expect(refusal('"device=0"x')).toBe('has text after a closing quote');
    expect(refusal('options=')).toContain('options that cannot be read');
  });

  it('formats a request in --gpus syntax that reads back the same', () => {
    expect(formatGpuRequest(gpu('all'))).toBe('all');
    expect(formatGpuRequest(gpu('"device=0,1"'))).toBe('"device=0,1"');
    expect(formatGpuRequest(gpu('driver=nvidia'))).toBe('driver=nvidia');
    expect(formatGpuRequest({ driver: '', count: 1, capabilities: ['gpu'], options: {} })).toBe('1');
    const request = fc.record(
      {
        driver: fc.constantFrom('', 'nvidia', 'a,b', 'x"y'),
        count: fc.integer({ min: -1, max: 8 }),
        deviceIds: fc.array(fc.string({ unit: fc.constantFrom('0', '1', 'G', 'P', 'U', '-', '"'), minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
        capabilities: fc.array(fc.constantFrom('compute', 'utility', 'video', 'gpu'), { maxLength: 3 }).map((c) => [...c, 'gpu']),
        options: fc.dictionary(fc.constantFrom('a', 'b', 'mig'), fc.constantFrom('', '1', 'x,y', 'q"')),
      },
      { requiredKeys: ['driver', 'count', 'capabilities', 'options'] },
    );
    fc.assert(
      fc.property(request, (r) => {
        expect(gpu(formatGpuRequest(r))).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('"', ',', '=', 'a', 'l', 'c', 'o', 'u', 'n', 't', '1', '\n') }), (s) => typeof parseGpuRequest(s).ok === 'boolean'), { numRuns: 1000 });
  });
});
