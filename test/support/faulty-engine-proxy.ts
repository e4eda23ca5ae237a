/**
 * A unix-socket proxy in front of the real Docker engine that cuts chosen connections midway: the
 * one fault the real engine cannot produce on demand (a dropped connection). Everything else is
 * the real engine speaking its real protocol; the proxy only forwards bytes and, when told, stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Which request a connection is serving now, from its request line. */
export type RequestKind = 'attach' | 'wait' | 'logs' | 'other';

/** When to cut a connection. */
export interface FaultRule {
  /** The kind of request whose response is cut. */
  readonly kind: RequestKind;
  /** Cut after this many bytes of the response body have been forwarded (0: right after the headers). */
  readonly afterBodyBytes?: number;
  /** Cut this many milliseconds after the response headers, whatever has been forwarded. */
  readonly afterMs?: number;
  /** How many such responses to cut; then the rule is spent. Default 1. */
  readonly times?: number;
}

export interface FaultyEngineProxy {
  /** The proxy's socket, for `createDockerEngine({ socketPath })`. */
  readonly socketPath: string;
  /** How many responses were cut, per kind. */
  readonly cuts: Record<RequestKind, number>;
  /** Requests seen, per kind. */
  readonly requests: Record<RequestKind, number>;
  close(): Promise<void>;
}

const REQUEST_LINE = /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/m;

function classify(path: string): RequestKind {
  if (/\/containers\/[^/]+\/attach\b/.test(path)) return 'attach';
  if (/\/containers\/[^/]+\/wait\b/.test(path)) return 'wait';
  if (/\/containers\/[^/]+\/logs\b/.test(path)) return 'logs';
  return 'other';
}

/** Starts the proxy in front of `upstream` (default: the local engine's socket). */
export async function startFaultyEngineProxy(rules: readonly FaultRule[], upstream = '/var/run/docker.sock'): Promise<FaultyEngineProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'docker-job-proxy-'));
  const socketPath = join(dir, 'docker.sock');
  const remaining = rules.map((r) => ({ ...r, left: r.times ?? 1 }));
  const cuts: Record<RequestKind, number> = { attach: 0, wait: 0, logs: 0, other: 0 };
  const requests: Record<RequestKind, number> = { attach: 0, wait: 0, logs: 0, other: 0 };
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    const engine = createConnection(upstream);
    sockets.add(client).add(engine);
    let dead = false;
    const cut = () => {
      dead = true;
      client.destroy();
      engine.destroy();
    };
    client.on('close', () => (sockets.delete(client), engine.destroy()));
    engine.on('close', () => (sockets.delete(engine), client.destroy()));
    client.on('error', cut);
    engine.on('error', cut);

    // The request being served on this (keep-alive) connection, and its fault, if any.
    let rule: (typeof remaining)[number] | undefined;
    let inHeaders = false;
    let headerTail = '';
    let body = 0;

    client.on('data', (data: Buffer) => {
      const match = REQUEST_LINE.exec(data.toString('latin1'));
      if (match) {
        const kind = classify(match[2] as string);
        requests[kind]++;
        rule = remaining.find((r) => r.kind === kind && r.left > 0);
        if (rule) rule.left--;
        inHeaders = true;
        headerTail = '';
        body = 0;
      }
      engine.write(data);
    });

    engine.on('data', (data: Buffer) => {
      if (dead) return;
      if (!rule) return void client.write(data);
      let chunk = data;
      if (inHeaders) {
        const text = headerTail + data.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end === -1) {
          headerTail = text.slice(-3);
          return void client.write(data);
        }
        const headerBytes = end + 4 - headerTail.length;
        client.write(data.subarray(0, headerBytes));
        chunk = data.subarray(headerBytes);
        inHeaders = false;
        const active = rule;
        if (active.afterMs !== undefined) {
          setTimeout(() => {
            if (rule === active) {
              cuts[active.kind]++;
              cut();
            }
          }, active.afterMs);
        }
      }
      const limit = rule.afterBodyBytes;
      if (limit !== undefined && body + chunk.length >= limit) {
        const kind = rule.kind;
        dead = true; // nothing more is forwarded
        client.write(chunk.subarray(0, limit - body), () => {
          cuts[kind]++;
          cut();
        });
        body = limit;
        return;
      }
      body += chunk.length;
      client.write(chunk);
    });
  });

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    socketPath,
    cuts,
    requests,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
