import type { OutputTailLines } from '../logs/output-pipeline.js';
import type { SinkFailure } from '../logs/sink-fanout.js';

/** What {@link describeJobResult} needs to know. @internal */
export interface JobMessageInput {
  readonly name: string | undefined;
  readonly image: string;
  readonly containerId: string;
  readonly exitCode: number;
  readonly failed: boolean;
  readonly timedOut: boolean;
  readonly canceled: boolean;
  readonly oomKilled: boolean | undefined;
  readonly startError?: string;
  readonly durationMs: number;
  readonly timeoutMs?: number;
  readonly tail: OutputTailLines;
  readonly sinkFailures: readonly SinkFailure[];
}

/**
 * A human account of how a job ended, as execa builds its error messages: one line saying what
 * happened and, for a failed job, the last lines of stderr and then of stdout (already masked).
 * Sinks that failed are named at the end, whatever the outcome.
 * @internal
 */
export function describeJobResult(r: JobMessageInput): string {
  const short = r.containerId.slice(0, 12);
  const who = r.name === undefined || r.name === r.image ? `Job ${r.image} (container ${short})` : `Job ${r.name} (${r.image}, container ${short})`;
  const took = formatDuration(r.durationMs);
  let head: string;
  if (r.startError !== undefined) head = `${who} could not start (exit code ${r.exitCode}): ${r.startError}`;
  else if (r.timedOut) head = `${who} timed out${r.timeoutMs === undefined ? '' : ` after ${formatDuration(r.timeoutMs)}`} and was stopped: exit code ${r.exitCode}`;
  else if (r.canceled) head = `${who} was canceled after ${took} and stopped: exit code ${r.exitCode}`;
  else if (r.oomKilled) head = `${who} was killed for exceeding its memory limit after ${took}: exit code ${r.exitCode}`;
  else if (r.oomKilled === undefined && r.exitCode === 137) head = `${who} was killed after ${took}: exit code 137 (whether for exceeding its memory limit is unknown: the engine does not say)`;
  else if (r.failed) head = `${who} failed with exit code ${r.exitCode} after ${took}`;
  else head = `${who} exited with code ${r.exitCode} in ${took}`;

  const parts = [head];
  if (r.failed) {
    for (const stream of ['stderr', 'stdout', 'merged'] as const) {
      const lines = r.tail[stream];
      const name = stream === 'merged' ? 'output, stdout and stderr merged' : stream;
      if (lines.length > 0) parts.push(`${name} (last ${lines.length === 1 ? 'line' : `${lines.length} lines`}):\n${lines.join('\n')}`);
    }
  }
  if (r.sinkFailures.length > 0) {
    const n = r.sinkFailures.length;
    const list = r.sinkFailures.map((f) => `- ${f.sink} (sink ${f.index}, during ${f.during}): ${errorText(f.error)}`);
    parts.push(`${n === 1 ? '1 sink' : `${n} sinks`} failed and ${n === 1 ? 'was' : 'were'} detached:\n${list.join('\n')}`);
  }
  return parts.join('\n\n');
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
