import { describe, expect, it } from 'vitest';
import { checkJobPolicy, DANGEROUS_OPTIONS, STRICT_POLICY, type PolicySubject } from '../../src/core/policy.js';
import type { VolumeMount } from '../../src/core/volumes.js';

const bind = (source: string, target = '/mnt'): VolumeMount => ({ type: 'bind', source, target });
const subject = (extra: Partial<PolicySubject> = {}): PolicySubject => ({ volumes: [], ...extra });
const paths = (s: PolicySubject, policy = STRICT_POLICY) => checkJobPolicy(s, policy).map((i) => i.path);

describe('checkJobPolicy', () => {
  it('refuses each dangerous option under the strict policy, by its field', () => {
    expect(paths(subject({ privileged: true }))).toEqual(['privileged']);
    expect(paths(subject({ network: 'host' }))).toEqual(['network']);
    expect(paths(subject({ pidMode: 'host' }))).toEqual(['pidMode']);
    expect(paths(subject({ network: 'container:db', pidMode: 'container:db' }))).toEqual(['network', 'pidMode']);
    expect(paths(subject({ capAdd: ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'ALL', 'CAP_NET_ADMIN'] }))).toEqual(['capAdd[1]', 'capAdd[2]', 'capAdd[3]']);
  });

  it('allows what is not dangerous', () => {
    expect(paths(subject({ privileged: false, network: 'none', capAdd: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'], volumes: [bind('/srv/data'), { type: 'volume', source: 'cache', target: '/c' }, { type: 'volume', target: '/t' }] }))).toEqual([]);
    expect(paths(subject({ network: 'bridge' }))).toEqual([]);
  });

  it('refuses mounting an engine socket, or a directory that holds one, whatever the spelling', () => {
    for (const source of ['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/run', '/var', '/', '//var/run/', '/srv/../var/run/docker.sock', '/home/me/.docker/run/docker.sock', '/run/containerd/containerd.sock', '/run/podman/podman.sock']) {
      const issues = checkJobPolicy(subject({ volumes: [bind(source)] }), STRICT_POLICY);
      expect(issues.map((i) => i.path), source).toEqual(['volumes[0]']);
      expect(issues[0]?.message).toContain('a socket that controls the container engine or the host');
    }
  });

  it.each([
    ['/run/user/1000', "rootless Docker's socket directory"],
    ['/run/user/1000/docker.sock', "rootless Docker's socket"],
    ['/run/user', 'every user runtime directory'],
    ['/var/run/user/1000', 'the same through /var/run'],
    ['/run/user/1000/bus', "a user's session bus"],
    ['/run/docker', "the engine's runtime directory (its containerd and plugin sockets)"],
    ['/var/run/docker/containerd/containerd.sock', "the engine's own containerd"],
    ['/run/containerd', 'containerd'],
    ['/run/crio/crio.sock', 'CRI-O'],
    ['/run/buildkit', 'BuildKit'],
    ['/run/podman', 'Podman'],
    ['/run/dbus/system_bus_socket', 'the system bus (systemd units as root)'],
    ['/run/systemd/private', "systemd's own socket"],
    ['/srv/app/api.sock', 'any other socket'],
    ['/tmp/x/../engine.sock', 'a socket spelled with ..'],
  ])('refuses %s (%s) as engine-socket', (source) => {
    const issues = checkJobPolicy(subject({ volumes: [bind(source)] }), STRICT_POLICY);
    expect(issues).toEqual([expect.objectContaining({ path: 'volumes[0]', expected: 'no engine-socket option, or a policy that allows "engine-socket"' })]);
    expect(checkJobPolicy(subject({ volumes: [bind(source)] }), { allow: ['engine-socket'] })).toEqual([]);
  });

  it('refuses host system paths and what lies inside or above them', () => {
    for (const source of ['/proc', '/sys/fs/cgroup', '/dev', '/etc', '/etc/shadow', '/boot', '/root/.ssh', '/lib/modules', '/var/lib/docker', '/var/lib']) {
      const issues = checkJobPolicy(subject({ volumes: [bind(source)] }), STRICT_POLICY);
      expect(issues.map((i) => i.message), source).toEqual([expect.stringContaining('a host system path')]);
    }
    expect(paths(subject({ volumes: [bind('/etcetera'), bind('/devices', '/d')] }))).toEqual([]);
  });

  it.each([
    ['/usr', 'host binaries and libraries'],
    ['/usr/local/bin', 'inside /usr'],
    ['/bin', 'host binaries'],
    ['/bin/sh', 'one host binary'],
    ['/sbin', 'system binaries'],
    ['/lib', 'libraries'],
    ['/lib64', 'libraries'],
    ['/lib32', 'libraries'],
    ['/libx32', 'libraries'],
    ['/libo32', 'any other top-level lib*'],
    ['/lib/systemd/system', 'unit files'],
    ['/opt', 'installed software'],
    ['/opt/app', 'inside /opt'],
    ['/home', 'home directories'],
    ['/home/me/.ssh', "a user's keys"],
    ['/var/lib/containerd', "containerd's state"],
    ['/var/lib/containers', "Podman's state"],
    ['/var/lib/kubelet', "the kubelet's state and pod secrets"],
    ['/var/lib/kubelet/pods', 'inside it'],
    ['/var/spool/cron', 'crontabs'],
    ['/var/spool/cron/crontabs/root', "root's crontab"],
    ['/var/spool', 'above the crontabs'],
  ])('refuses %s (%s) as system-paths', (source) => {
    const issues = checkJobPolicy(subject({ volumes: [bind(source)] }), STRICT_POLICY);
    expect(issues).toEqual([expect.objectContaining({ path: 'volumes[0]', message: `mounts ${source}, a host system path, which this policy refuses` })]);
    expect(checkJobPolicy(subject({ volumes: [bind(source)] }), { allow: ['system-paths'] })).toEqual([]);
  });

  it('refuses a read-only bind of a dangerous path too (it still hands out secrets and sockets)', () => {
    expect(paths(subject({ volumes: [{ ...bind('/usr'), readOnly: true }, { ...bind('/run/user/1000', '/r'), readOnly: true }] }))).toEqual(['volumes[0]', 'volumes[1]']);
  });

  it('allows ordinary data directories under the strict policy', () => {
    const sources = ['/srv/jobs', '/data', '/tmp/job-1', '/mnt/share', '/var/tmp/x', '/var/log/app', '/var/lib/app-data', '/usrdata', '/optional', '/homes-backup', '/srv/lib', '/srv/sockets', '/srv/app.socket', '/runner'];
    expect(paths(subject({ volumes: sources.map((s, i) => bind(s, `/m${i}`)) }))).toEqual([]);
  });

  it('allows a dangerous option the policy names', () => {
    expect(paths(subject({ privileged: true, network: 'host' }), { allow: ['privileged'] })).toEqual(['network']);
    expect(paths(subject({ privileged: true, network: 'host', pidMode: 'host', capAdd: ['ALL'], volumes: [bind('/var/run/docker.sock'), bind('/etc', '/e')] }), { allow: DANGEROUS_OPTIONS })).toEqual([]);
  });

  it('confines bind mounts to the allowed host paths, segment by segment, after cleaning', () => {
    const policy = { allowedHostPaths: ['/srv/jobs', '/data/in/'] };
    expect(paths(subject({ volumes: [bind('/srv/jobs'), bind('/srv/jobs/a/b', '/b'), bind('/data/in/x', '/x')] }), policy)).toEqual([]);
    const issues = checkJobPolicy(subject({ volumes: [bind('/srv/jobs-other'), bind('/srv/jobs/../secrets', '/s'), bind('/srv', '/t')] }), policy);
    expect(issues.map((i) => i.path)).toEqual(['volumes[0]', 'volumes[1]', 'volumes[2]']);
    expect(issues[1]?.message).toBe('mounts /srv/secrets (/srv/jobs/../secrets:/s), which is outside the host paths this policy allows');
    expect(issues[1]?.expected).toBe('a host path inside /srv/jobs, /data/in/');
  });

  it('forbids every bind mount with an empty allow-list, but not volumes', () => {
    expect(checkJobPolicy(subject({ volumes: [bind('/tmp'), { type: 'volume', source: 'v1', target: '/v' }] }), { allowedHostPaths: [] })).toEqual([
      expect.objectContaining({ path: 'volumes[0]', expected: 'no bind mounts (this policy allows none)' }),
    ]);
  });

  it('compares Windows paths case-insensitively', () => {
    expect(paths(subject({ volumes: [bind('c:\\Jobs\\In')] }), { allowedHostPaths: ['C:\\jobs'] })).toEqual([]);
    expect(paths(subject({ volumes: [bind('D:\\jobs')] }), { allowedHostPaths: ['C:\\jobs'] })).toEqual(['volumes[0]']);
  });

  it('is frozen as a constant', () => {
    expect(Object.isFrozen(STRICT_POLICY)).toBe(true);
    expect(STRICT_POLICY.allow).toEqual([]);
  });
});
