/**
 * A unix-socket proxy in front of the real Docker engine that cuts or stalls chosen connections
 * midway: the faults the real engine cannot produce on demand (a dropped connection, a connection
 * that dies silently, an engine that stops answering). Everything else is the real engine speaking
 * its real protocol; the proxy only forwards bytes and, when told, stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Which request a connection is serving now, from its request line. */
export type RequestKind = 'attach' | 'wait' | 'logs' | 'create' | 'stop' | 'other';

/** When to cut (or stall) a connection. */
export interface FaultRule {
  /** The kind of request whose response is cut. */
  readonly kind: RequestKind;
  /**
   * Stall instead of cut: stop forwarding the response but keep both connections open, as a
   * half-open TCP connection looks to the client. What the engine sends afterwards is dropped.
   */
  readonly stall?: boolean;
  /**
   * Cut as soon as the engine starts answering, forwarding nothing: the engine did the work (a
   * container was created, a stop was carried out), the client never hears of it.
   */
  readonly beforeResponse?: boolean;
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
  /** How many responses were cut or stalled, per kind. */
  readonly cuts: Record<RequestKind, number>;
  /** Requests seen, per kind. */
  readonly requests: Record<RequestKind, number>;
  /**
   * From now on the engine is out of reach, as behind a network that died: no connection is
   * accepted, and the open ones (kept-alive ones too) stay open but carry nothing, either way.
   */
  goDark(): void;
  close(): Promise<void>;
}

const REQUEST_LINE = /^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.[01]\r\n/m;

function classify(path: string): RequestKind {
  if (/\/containers\/[^/]+\/attach\b/.test(path)) return 'attach';
  if (/\/containers\/[^/]+\/wait\b/.test(path)) return 'wait';
  if (/\/containers\/[^/]+\/logs\b/.test(path)) return 'logs';
  if (/\/containers\/create\b/.test(path)) return 'create';
  if (/\/containers\/[^/]+\/stop\b/.test(path)) return 'stop';
  return 'other';
}

/** Starts the proxy in front of `upstream` (default: the local engine's socket). */
export async function startFaultyEngineProxy(rules: readonly FaultRule[], upstream = '/var/run/docker.sock'): Promise<FaultyEngineProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'docker-job-proxy-'));
  const socketPath = join(dir, 'docker.sock');
  const remaining = rules.map((r) => ({ ...r, left: r.times ?? 1 }));
  const cuts: Record<RequestKind, number> = { attach: 0, wait: 0, logs: 0, create: 0, stop: 0, other: 0 };
  const requests: Record<RequestKind, number> = { attach: 0, wait: 0, logs: 0, create: 0, stop: 0, other: 0 };
  const sockets = new Set<Socket>();
  let dark = false;

  const server: Server = createServer((client) => {
    const engine = createConnection(upstream);
    sockets.add(client).add(engine);
    let dead = false;
    // A stalled connection stays open on the client's side whatever the engine does.
    let stalled = false;
    const cut = () => {
      dead = true;
      client.destroy();
      engine.destroy();
    };
    /** Cuts, or for a stalling rule only stops forwarding. */
    const fault = (stall: boolean | undefined) => {
      if (!stall) return cut();
      dead = true;
      stalled = true;
    };
    client.on('close', () => (sockets.delete(client), engine.destroy()));
    engine.on('close', () => (sockets.delete(engine), stalled || dark || client.destroy()));
    client.on('error', cut);
    engine.on('error', () => (stalled || dark ? engine.destroy() : cut()));

    // The request being served on this (keep-alive) connection, and its fault, if any.
    let rule: (typeof remaining)[number] | undefined;
    let inHeaders = false;
    let headerTail = '';
    let body = 0;

    client.on('data', (data: Buffer) => {
      if (dark) return;
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
      if (dead || dark) return;
      if (!rule) return void client.write(data);
      if (rule.beforeResponse) {
        cuts[rule.kind]++;
        return fault(rule.stall);
      }
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
            if (rule === active && !dead) {
              cuts[active.kind]++;
              fault(active.stall);
            }
          }, active.afterMs);
        }
      }
      const limit = rule.afterBodyBytes;
      if (limit !== undefined && body + chunk.length >= limit) {
        const { kind, stall } = rule;
        dead = true; // nothing more is forwarded
        client.write(chunk.subarray(0, limit - body), () => {
          cuts[kind]++;
          fault(stall);
        });
        body = limit;
        return;
      }
      body += chunk.length;
      client.write(chunk);
    });
  });

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  // Resolves once the server has closed (after its last connection).
  let closed: Promise<void> | undefined;
  const stopListening = () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    socketPath,
    cuts,
    requests,
    goDark() {
      dark = true;
      void stopListening();
    },
    async close() {
      const done = stopListening();
      for (const s of sockets) s.destroy();
      await done;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
