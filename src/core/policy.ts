import type { ConfigIssue } from '../errors/config-error.js';
import { DEFAULT_CAPABILITIES } from './docker-options.js';
import { formatVolumeSpec, normalizedBindSource, type VolumeMount } from './volumes.js';

/**
 * Options that give a job power over the host, refused under a {@link JobPolicy} unless it allows
 * them by name:
 *
 * - `privileged`: `privileged: true` (every device, every capability, no confinement);
 * - `host-network`: `network: host`;
 * - `host-pid`: `pidMode: host`;
 * - `container-namespaces`: `network` or `pidMode` `container:<name>` (joining another container);
 * - `engine-socket`: a bind mount of a socket (any `*.sock`), of a directory of sockets that
 *   control the engine or the host (`/run/docker`, `/run/containerd`, `/run/podman`, `/run/crio`,
 *   `/run/buildkit`, `/run/user` with rootless Docker's and Podman's sockets and the session buses,
 *   `/run/dbus`, `/run/systemd`; `/var/run/...` alike), or of a directory above one (`/run`,
 *   `/var/run`, `/var`, `/`): whoever holds such a socket controls the engine, and so the host;
 * - `system-paths`: a bind mount of a host system path, of something inside one, or of a directory
 *   above one: the kernel's and the devices' (`/proc`, `/sys`, `/dev`), configuration and
 *   credentials (`/etc`, `/root`, `/home`), what the host runs (`/boot`, `/usr`, `/bin`, `/sbin`,
 *   `/lib` and every other top-level `lib*`, `/opt`), crontabs (`/var/spool/cron`) and the state
 *   of container engines and of the kubelet (`/var/lib/docker`, `/var/lib/containerd`,
 *   `/var/lib/containers`, `/var/lib/kubelet`). A job's root user could read the host's secrets or
 *   replace the programs and crontabs the host runs as root;
 * - `capabilities`: `capAdd` of `ALL` or of any capability the engine does not grant by default
 *   (`SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, ...).
 */
export type DangerousOption = 'privileged' | 'host-network' | 'host-pid' | 'container-namespaces' | 'engine-socket' | 'system-paths' | 'capabilities';

/** Every {@link DangerousOption}. */
export const DANGEROUS_OPTIONS: readonly DangerousOption[] = ['privileged', 'host-network', 'host-pid', 'container-namespaces', 'engine-socket', 'system-paths', 'capabilities'];

/**
 * What a job may do, for proxies that run configuration written by other people. Without a policy
 * (the default of {@link parseJobConfig} and {@link configFromEnv}) everything docker allows is
 * allowed, as for a program configuring its own jobs. With one, the dangerous options are refused
 * unless listed in `allow`, and bind mounts are confined to `allowedHostPaths` when it is given.
 *
 * The checks are lexical: `..` is resolved, symlinks are not followed (the core does no I/O). List
 * real paths, and keep symlinks that lead out of them away from the allowed directories.
 */
export interface JobPolicy {
  /** Dangerous options this policy allows anyway. Default: none. */
  readonly allow?: readonly DangerousOption[];
  /**
   * Absolute host directories (or files) bind mounts must stay inside. Default: any host path (the
   * dangerous paths above are still refused unless allowed). `[]` forbids bind mounts altogether.
   */
  readonly allowedHostPaths?: readonly string[];
}

/** The strict policy: every {@link DangerousOption} refused, any other host path allowed. */
export const STRICT_POLICY: JobPolicy = Object.freeze({ allow: Object.freeze([]) });

/**
 * Host paths whose bind mount hands over the engine or the host: engine sockets and the
 * directories that hold them or other control sockets, under `/run` and under `/var/run` (a link
 * to `/run` on current systems, a directory of its own on old ones). Refused with what lies inside
 * them and every directory above them.
 */
const CONTROL_SOCKET_PATHS = ['/run/docker.sock', '/run/docker', '/run/containerd', '/run/podman', '/run/crio', '/run/buildkit', '/run/user', '/run/dbus', '/run/systemd'].flatMap((path) => [path, `/var${path}`]);
/**
 * Host paths whose bind mount exposes the host's kernel, devices or credentials, or lets the job
 * replace what the host runs. Refused with what lies inside them and every directory above them;
 * so is every top-level `lib*` directory (`/lib32`, `/libx32`, ...).
 */
const SYSTEM_PATHS = [
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/boot',
  '/root',
  '/home',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/opt',
  '/var/spool/cron',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/containers',
  '/var/lib/kubelet',
];

/** The parts of a job the policy looks at. */
export interface PolicySubject {
  readonly privileged?: boolean | undefined;
  readonly network?: string | undefined;
  readonly pidMode?: string | undefined;
  readonly capAdd?: readonly string[] | undefined;
  readonly volumes: readonly VolumeMount[];
}

/**
 * Checks a resolved job against a policy; returns one issue per refused option, with the field's
 * path (`privileged`, `volumes[2]`, `capAdd[0]`). Pure.
 */
export function checkJobPolicy(job: PolicySubject, policy: JobPolicy): ConfigIssue[] {
  const allowed = new Set(policy.allow ?? []);
  const issues: ConfigIssue[] = [];
  const refuse = (option: DangerousOption, path: string, message: string) => {
    if (!allowed.has(option)) issues.push({ path, message: `${message}, which this policy refuses`, expected: `no ${option} option, or a policy that allows "${option}"` });
  };
  if (job.privileged) refuse('privileged', 'privileged', 'runs the job privileged');
  for (const field of ['network', 'pidMode'] as const) {
    const mode = job[field];
    if (mode === 'host') refuse(field === 'network' ? 'host-network' : 'host-pid', field, `shares the host's ${field === 'network' ? 'network' : 'process'} namespace`);
    else if (mode?.startsWith('container:')) refuse('container-namespaces', field, `joins the ${field === 'network' ? 'network' : 'process'} namespace of another container`);
  }
  job.capAdd?.forEach((cap, i) => {
    const bare = cap.replace(/^CAP_/, '');
    if (bare === 'ALL' || !DEFAULT_CAPABILITIES.includes(bare)) refuse('capabilities', `capAdd[${i}]`, `adds the capability ${cap}`);
  });
  job.volumes.forEach((mount, i) => {
    const source = normalizedBindSource(mount);
    if (source === undefined) return;
    const path = `volumes[${i}]`;
    const danger = dangerOf(source);
    if (danger === 'engine-socket') refuse('engine-socket', path, `mounts ${source}, which is or holds a socket that controls the container engine or the host`);
    else if (danger === 'system-paths') refuse('system-paths', path, `mounts ${source}, a host system path`);
    if (policy.allowedHostPaths && !policy.allowedHostPaths.some((dir) => isInside(source, normalizedBindSource({ type: 'bind', source: dir, target: '/' }) ?? dir))) {
      issues.push({
        path,
        message: `mounts ${source} (${formatVolumeSpec(mount)}), which is outside the host paths this policy allows`,
        expected: policy.allowedHostPaths.length === 0 ? 'no bind mounts (this policy allows none)' : `a host path inside ${policy.allowedHostPaths.join(', ')}`,
      });
    }
  });
  return issues;
}

/** Which dangerous option a bind of the (cleaned) host path `source` is, if any. */
function dangerOf(source: string): 'engine-socket' | 'system-paths' | undefined {
  const near = (danger: string) => isInside(source, danger) || isInside(danger, source);
  if (source.endsWith('.sock') || CONTROL_SOCKET_PATHS.some(near)) return 'engine-socket';
  if (SYSTEM_PATHS.some(near) || /^\/lib[^/]*(?:\/|$)/.test(source)) return 'system-paths';
  return undefined;
}

/** `path` is `dir` or lies below it (both cleaned, `/`-separated). */
function isInside(path: string, dir: string): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(`${dir}/`);
}
