/**
 * Small parsers for `docker run` options whose values have a syntax of their own. Each follows
 * the docker CLI and engine (checked by the differential tests) and says what it expected when it
 * refuses. Pure; none throws.
 */
import { isIP } from 'node:net';
import type { ParseResult } from './command.js';

/** Linux capabilities by name, without the `CAP_` prefix. */
export const LINUX_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/** The capabilities a Docker Engine grants a container by default (without `CAP_`). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP',
  'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/**
 * Normalises capability names the way the docker CLI does before sending them: upper-case, `CAP_`
 * prefixed (`net_admin` → `CAP_NET_ADMIN`), `ALL` kept as it is, duplicates dropped, sorted.
 * Unknown names are refused (the engine refuses them too, with less context). Engines older than
 * the kernel's newest capabilities (Docker 20.10 and `BPF`, `PERFMON`, `CHECKPOINT_RESTORE`) may
 * still refuse a known one.
 */
export function parseCapabilities(names: readonly string[]): ParseResult<string[]> {
  const out = new Set<string>();
  for (const name of names) {
    const upper = name.trim().toUpperCase();
    if (upper === 'ALL') {
      out.add('ALL');
      continue;
    }
    const bare = upper.startsWith('CAP_') ? upper.slice(4) : upper;
    if (!LINUX_CAPABILITIES.includes(bare)) {
      return { ok: false, message: `"${name}" is not a Linux capability`, expected: 'ALL or a capability such as NET_ADMIN or CAP_SYS_PTRACE' };
    }
    out.add(`CAP_${bare}`);
  }
  return { ok: true, value: [...out].sort() };
}

/**
 * Parses one `--add-host` entry as the docker CLI does: `host:ip` or `host=ip`, the address IPv4,
 * IPv6 (optionally in brackets: `db:[::1]`) or the special `host-gateway`. Returns it as the engine
 * stores it, `host:ip`.
 */
export function parseExtraHost(entry: string): ParseResult<string> {
  const sep = entry.includes('=') ? '=' : ':';
  const at = entry.indexOf(sep);
  const host = at === -1 ? '' : entry.slice(0, at);
  let address = at === -1 ? '' : entry.slice(at + 1);
  const format = 'HOST:IP or HOST=IP, e.g. db.internal:10.0.0.5, or HOST:host-gateway';
  if (at === -1 || host === '' || host.includes(':')) return { ok: false, message: `"${entry}" is not a host entry`, expected: format };
  if (/\s/.test(host)) return { ok: false, message: `"${entry}" has a blank in its host name`, expected: format };
  if (address !== 'host-gateway') {
    if (address.length > 2 && address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
    if (address.includes('%') || isIP(address) === 0) return { ok: false, message: `"${entry}" has an invalid IP address`, expected: format };
  }
  return { ok: true, value: `${host}:${address}` };
}

const SIGNAL_NAMES = new Set([
  'ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR',
  'QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH',
  'XCPU', 'XFSZ', 'RTMIN', 'RTMAX',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/**
 * Checks a stop signal as the engine does (`TERM`, `SIGTERM`, `sigterm`, `SIGRTMIN+3`, or a number)
 * and returns it as written: the engine stores it as written. Numbers run from 1 to 64 (the engine
 * accepts larger ones at create and fails when it sends them).
 */
export function parseStopSignal(signal: string): ParseResult<string> {
  const expected = 'a signal name such as SIGTERM, TERM or SIGRTMIN+3, or a number from 1 to 64';
  if (/^\d+$/.test(signal)) {
    const n = Number(signal);
    return n >= 1 && n <= 64 ? { ok: true, value: signal } : { ok: false, message: `${signal} is not a signal number`, expected };
  }
  const name = signal.toUpperCase().replace(/^SIG/, '');
  return SIGNAL_NAMES.has(name) ? { ok: true, value: signal } : { ok: false, message: `"${signal}" is not a signal`, expected };
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Checks a network mode: `none`, `bridge`, `host`, `default`, `container:<name or id>`, or the name
 * of a network (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`).
 */
export function parseNetworkMode(mode: string): ParseResult<string> {
  if (mode.startsWith('container:')) {
    return NAME.test(mode.slice('container:'.length)) ? { ok: true, value: mode } : { ok: false, message: `"${mode}" names no container`, expected: 'container:<name or id>' };
  }
  return NAME.test(mode) ? { ok: true, value: mode } : { ok: false, message: `"${mode}" is not a network mode or name`, expected: 'none, bridge, host, container:<name>, or a network name' };
}

/** Checks a PID namespace mode: `host` or `container:<name or id>`, as `docker run --pid` takes it. */
export function parsePidMode(mode: string): ParseResult<string> {
  if (mode === 'host' || (mode.startsWith('container:') && NAME.test(mode.slice('container:'.length)))) return { ok: true, value: mode };
  return { ok: false, message: `"${mode}" is not a PID mode`, expected: 'host, or container:<name or id>' };
}

/** Checks a platform, `os[/arch[/variant]]` (`linux/amd64`, `linux/arm64/v8`), as `docker run --platform` takes it. */
export function parsePlatform(platform: string): ParseResult<string> {
  return /^[a-z0-9_-]+(?:\/[a-z0-9_-]+(?:\/[a-z0-9_.-]+)?)?$/i.test(platform)
    ? { ok: true, value: platform }
    : { ok: false, message: `"${platform}" is not a platform`, expected: 'os[/arch[/variant]], e.g. linux/amd64 or linux/arm64/v8' };
}

/** Checks a user: a name or uid, optionally with `:group` or `:gid` (`1000:1000`, `nobody`, `app:app`). */
export function parseUser(user: string): ParseResult<string> {
  return /^[^\s:]+(?::[^\s:]+)?$/.test(user)
    ? { ok: true, value: user }
    : { ok: false, message: `"${user}" is not a user`, expected: 'name, uid, name:group or uid:gid, without blanks' };
}
