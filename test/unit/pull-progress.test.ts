import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PullProgressSink } from '../../src/cli/pull-progress.js';

function render(tty: boolean, events: Parameters<PullProgressSink['event']>[0][]): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const sink = new PullProgressSink(out, tty);
  for (const e of events) sink.event(e);
  return text;
}

const image = 'registry.example.com/etl:1';
const layer = (id: string, status: string, current?: number, total?: number) => ({ type: 'pull-progress' as const, image, id, status, ...(current === undefined ? {} : { current }), ...(total === undefined ? {} : { total }) });
const events = [
  { type: 'pull-progress' as const, image, id: '1', status: 'Pulling from etl' },
  layer('aaaaaaaaaaaa', 'Pulling fs layer'),
  layer('aaaaaaaaaaaa', 'Downloading', 1_000_000, 4_000_000),
  layer('aaaaaaaaaaaa', 'Downloading', 2_000_000, 4_000_000),
  layer('aaaaaaaaaaaa', 'Pull complete'),
  { type: 'pulled' as const, image },
];

describe('PullProgressSink', () => {
  it('without a terminal, writes one plain line per layer milestone, never the per-chunk progress', () => {
    expect(render(false, events)).toBe(
      [`${image}: 1: Pulling from etl`, `${image}: layer aaaaaaaaaaaa: Pulling fs layer`, `${image}: layer aaaaaaaaaaaa: Downloading`, `${image}: layer aaaaaaaaaaaa: Pull complete`, `Pulled ${image}`, ''].join('\n'),
    );
  });

  it('on a terminal, redraws one line in place and ends it when the pull is done', () => {
    const text = render(true, events);
    expect(text).toContain(`\r\x1b[KPulling ${image}: 0/1 layers done`);
    expect(text).toContain('1.0 MB / 4.0 MB');
    expect(text.endsWith(`\r\x1b[KPulled ${image}\n`)).toBe(true);
    expect(text.split('\n')).toHaveLength(2); // one line of progress, then the result
  });

  it('ignores the job’s own output and other events', () => {
    const out = new PassThrough();
    const sink = new PullProgressSink(out, false);
    sink.write();
    sink.writeBytes();
    sink.event({ type: 'started', containerId: 'x' });
    expect(out.read()).toBeNull();
  });
});
