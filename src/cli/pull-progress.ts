import type { Writable } from 'node:stream';
import type { JobEvent, LogSink } from '../logs/log-sink.js';

type PullEvent = Extract<JobEvent, { type: 'pull-progress' }>;

/**
 * Shows an image pull on the CLI's stderr: on a terminal, one line redrawn in place (layers done,
 * bytes downloaded); otherwise one plain line per layer milestone, never the per-chunk progress,
 * so a CI log stays readable. A sink that takes events only.
 */
export class PullProgressSink implements LogSink {
  readonly name = 'PullProgressSink';
  readonly #out: Writable;
  readonly #tty: boolean;
  readonly #layers = new Map<string, { status: string; current: number; total: number }>();
  #drawn = false;
  #lastDraw = 0;

  constructor(out: Writable, tty: boolean) {
    this.#out = out;
    this.#tty = tty;
  }

  // Takes output as bytes and drops it: a sink that takes lines would make the pipeline split the
  // whole output into lines for nothing (the CLI's other sink takes bytes).
  write(): void {}

  writeBytes(): void {}

  event(event: JobEvent): void {
    if (event.type === 'pull-progress') this.#progress(event);
    else if (event.type === 'pulled') {
      if (this.#tty && this.#drawn) this.#out.write('\r\x1b[K');
      this.#out.write(`Pulled ${event.image}\n`);
      this.#layers.clear();
      this.#drawn = false;
    }
  }

  #progress(event: PullEvent): void {
    if (event.id === undefined || !/^[0-9a-f]{12}$/.test(event.id)) {
      // Not about one layer: "Pulling from library/busybox", "Digest: ...", "Status: ...".
      if (!this.#tty) this.#out.write(`${event.image}: ${event.id ? `${event.id}: ` : ''}${event.status}\n`);
      return;
    }
    const before = this.#layers.get(event.id);
    this.#layers.set(event.id, { status: event.status, current: event.current ?? before?.current ?? 0, total: event.total ?? before?.total ?? 0 });
    if (!this.#tty) {
      if (before?.status !== event.status) this.#out.write(`${event.image}: layer ${event.id}: ${event.status}\n`);
      return;
    }
    const now = Date.now();
    if (now - this.#lastDraw < 100 && event.status === before?.status) return; // at most ten redraws a second
    this.#lastDraw = now;
    const layers = [...this.#layers.values()];
    const done = layers.filter((l) => /complete|already exists/i.test(l.status)).length;
    const current = layers.reduce((sum, l) => sum + l.current, 0);
    const total = layers.reduce((sum, l) => sum + l.total, 0);
    const bytes = total > 0 ? `, ${megabytes(current)} / ${megabytes(total)}` : '';
    this.#out.write(`\r\x1b[KPulling ${event.image}: ${done}/${layers.length} layers done${bytes}`);
    this.#drawn = true;
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
