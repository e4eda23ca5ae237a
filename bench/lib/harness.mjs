// A small benchmark harness: runs contenders in alternating order (so drift in the machine's speed
// hits all of them alike), after warm-up rounds, and reports medians and ratios from one run.
import { spawn } from 'node:child_process';
import { hostname, cpus, totalmem } from 'node:os';

/** Runs `rounds` rounds; each round runs every contender once, rotating who goes first. */
export async function alternate(contenders, { rounds, warmup = 3 }) {
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = -warmup; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]);
    for (const name of order) {
      const t = performance.now();
      await contenders[name]();
      const ms = performance.now() - t;
      if (round >= 0) samples[name].push(ms);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return { n: sorted.length, min: sorted[0], median, p90: at(0.9), max: sorted.at(-1) };
}

/** Runs a command to completion, its output discarded; rejects on a non-zero exit. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', options.stdout ?? 'ignore', 'inherit'], ...(options.env ? { env: options.env } : {}) });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}`))));
  });
}

export function machine() {
  return { host: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() };
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`;
