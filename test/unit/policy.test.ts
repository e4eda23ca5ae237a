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
      expect(issues[0]?.message).toContain("container engine's socket");
    }
  });

  it('refuses host system paths and what lies inside or above them', () => {
    for (const source of ['/proc', '/sys/fs/cgroup', '/dev', '/etc', '/etc/shadow', '/boot', '/root/.ssh', '/lib/modules', '/var/lib/docker', '/var/lib']) {
      const issues = checkJobPolicy(subject({ volumes: [bind(source)] }), STRICT_POLICY);
      expect(issues.map((i) => i.message), source).toEqual([expect.stringContaining('a host system path')]);
    }
    expect(paths(subject({ volumes: [bind('/etcetera'), bind('/devices', '/d')] }))).toEqual([]);
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
