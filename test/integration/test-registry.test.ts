import { describe, expect, it } from 'vitest';
import { startRegistry } from '../support/registry.js';

// The support registry itself: the push tests trust it, so it is checked first.
describe('the test registry (Debian docker-registry on 127.0.0.1)', () => {
  it('serves the registry API on a free port of 127.0.0.1 and, once stopped, neither answers nor keeps its storage', async () => {
    const registry = await startRegistry();
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(await registry.tags('nothing/here')).toEqual([]);
    await registry.stop();
    await registry.stop(); // twice is fine
    await expect(fetch(`${registry.url}/v2/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });

  it('requires the htpasswd user when started with auth', async () => {
    await using registry = await startRegistry({ auth: { username: 'ci', password: 'pa$$ word' } });
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(401);
    const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect((await fetch(`${registry.url}/v2/`, { headers: basic('ci', 'wrong') })).status).toBe(401);
    expect((await fetch(`${registry.url}/v2/`, { headers: basic('ci', 'pa$$ word') })).status).toBe(200);
  });

  it('runs two registries at once on different ports', async () => {
    await using a = await startRegistry();
    await using b = await startRegistry();
    expect(a.host).not.toBe(b.host);
  });
});
