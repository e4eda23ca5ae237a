import { describe, expect, it } from 'vitest';
import { parseCapabilities, parseExtraHost, parseNetworkMode, parsePidMode, parsePlatform, parseStopSignal, parseUser } from '../../src/core/docker-options.js';

describe('parseCapabilities', () => {
  it('normalises like the docker CLI: upper case, CAP_ prefix, ALL kept, deduplicated, sorted', () => {
    expect(parseCapabilities(['net_admin', 'CAP_NET_ADMIN', 'NET_RAW', 'all'])).toEqual({ ok: true, value: ['ALL', 'CAP_NET_ADMIN', 'CAP_NET_RAW'] });
    expect(parseCapabilities([])).toEqual({ ok: true, value: [] });
  });

  it('refuses an unknown capability by name', () => {
    expect(parseCapabilities(['CHOWN', 'FOO'])).toMatchObject({ ok: false, message: '"FOO" is not a Linux capability' });
  });
});

describe('parseExtraHost', () => {
  it('reads host:ip and host=ip, IPv6 with or without brackets, and host-gateway, as host:ip', () => {
    expect(parseExtraHost('db:10.0.0.5')).toEqual({ ok: true, value: 'db:10.0.0.5' });
    expect(parseExtraHost('db=10.0.0.5')).toEqual({ ok: true, value: 'db:10.0.0.5' });
    expect(parseExtraHost('db:[::1]')).toEqual({ ok: true, value: 'db:::1' });
    expect(parseExtraHost('db:::1')).toEqual({ ok: true, value: 'db:::1' });
    expect(parseExtraHost('db=[2001:db8::33]')).toEqual({ ok: true, value: 'db:2001:db8::33' });
    expect(parseExtraHost('gw:host-gateway')).toEqual({ ok: true, value: 'gw:host-gateway' });
  });

  it('refuses what the docker CLI refuses', () => {
    for (const entry of ['db', ':1.2.3.4', 'db:bogus', 'db:01.2.3.4', 'db:1.2.3', 'a:b=1.2.3.4', 'db:fe80::1%eth0', 'd b:1.2.3.4']) {
      expect(parseExtraHost(entry).ok, entry).toBe(false);
    }
  });
});

describe('parseStopSignal', () => {
  it('accepts names with or without SIG in any case, real-time signals and numbers 1 to 64, as written', () => {
    for (const s of ['SIGTERM', 'TERM', 'sigterm', 'SIGRTMIN+3', 'RTMAX-1', 'SIGUSR1', '9', '64']) expect(parseStopSignal(s), s).toEqual({ ok: true, value: s });
  });

  it('refuses unknown names and numbers outside 1 to 64', () => {
    for (const s of ['FOO', 'SIGFOO', '0', '65', '-1', 'SIGRTMIN+16', '']) expect(parseStopSignal(s).ok, s).toBe(false);
  });
});

describe('network, PID mode, platform and user', () => {
  it('checks network modes and names', () => {
    for (const m of ['none', 'bridge', 'host', 'my-net_1.x', 'container:db1']) expect(parseNetworkMode(m).ok, m).toBe(true);
    for (const m of ['', 'container:', 'a b', '-net']) expect(parseNetworkMode(m).ok, m).toBe(false);
  });

  it('checks PID modes', () => {
    for (const m of ['host', 'container:app']) expect(parsePidMode(m).ok, m).toBe(true);
    for (const m of ['', 'bogus', 'container:', 'private']) expect(parsePidMode(m).ok, m).toBe(false);
  });

  it('checks platforms', () => {
    for (const p of ['linux', 'linux/amd64', 'linux/arm64/v8', 'LINUX/AMD64', 'windows/amd64']) expect(parsePlatform(p).ok, p).toBe(true);
    for (const p of ['', 'linux/', 'linux/amd64/v8/x', 'linux amd64']) expect(parsePlatform(p).ok, p).toBe(false);
  });

  it('checks users', () => {
    for (const u of ['1000', '1000:1000', 'nobody', 'app:app', 'user@example']) expect(parseUser(u).ok, u).toBe(true);
    for (const u of ['', 'a b', '1:2:3', ':1', '1:']) expect(parseUser(u).ok, u).toBe(false);
  });
});
