import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who launched a job: what its labels record, so that a sweep can tell whether the launcher is gone. */
export interface LauncherIdentity {
  /** Host name of the launching process. */
  readonly host: string;
  /** Its process id. */
  readonly pid: number;
  /**
   * When the process started, in clock ticks since boot (Linux `/proc/<pid>/stat`), so that a
   * recycled pid is not taken for the launcher. Absent where /proc is not.
   */
  readonly start?: string;
  /** The id of the container the launcher runs in, when it runs in one (the proxy image). */
  readonly container?: string;
  /**
   * The launcher's PID namespace (`pid:[4026531836]`), so that a pid is checked only from the
   * namespace it belongs to (two containers can share a host name and not their pids).
   */
  readonly pidNamespace?: string;
}

/** The identity of this process. Reads /proc on Linux; nothing elsewhere. */
export function currentLauncher(): LauncherIdentity {
  const start = processStartTime(process.pid);
  const container = ownContainerId();
  const pidNamespace = ownPidNamespace();
  return {
    host: hostname(),
    pid: process.pid,
    ...(start === undefined ? {} : { start }),
    ...(container === undefined ? {} : { container }),
    ...(pidNamespace === undefined ? {} : { pidNamespace }),
  };
}

function ownPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot. */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19]; // field 22 overall: 2 fields before ')' and state is field 3
}

/** The id of the container this process runs in, from the engine's bind mounts in mountinfo. */
function ownContainerId(): string | undefined {
  try {
    const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    return /\/(?:docker|containers)\/containers\/([0-9a-f]{64})\//.exec(mountinfo)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Whether the process a job's labels name is still alive, as far as this process can tell:
 * `alive`, `gone`, or `unknown` (another host or PID namespace: its pids mean nothing here).
 */
export function localLauncherState(
  launcher: { host?: string | undefined; pid?: string | undefined; start?: string | undefined; pidNamespace?: string | undefined },
  self: LauncherIdentity,
): 'alive' | 'gone' | 'unknown' {
  if (launcher.host !== self.host || launcher.pid === undefined || !/^\d+$/.test(launcher.pid)) return 'unknown';
  // Same host name, but another PID namespace (two containers on one host network): not ours to judge.
  if (launcher.pidNamespace !== self.pidNamespace) return 'unknown';
  const pid = Number(launcher.pid);
  if (launcher.start !== undefined && self.start !== undefined) {
    // The pid is the launcher only if it started when the launcher did. An unreadable /proc entry
    // (hidepid) proves nothing: fall back to asking the kernel whether the pid exists.
    const start = processStartTime(pid);
    if (start !== undefined) return start === launcher.start ? 'alive' : 'gone';
  }
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'alive' : 'gone';
  }
}
