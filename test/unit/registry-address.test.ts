import { describe, expect, it } from 'vitest';
import { configKeyHost, formatRegistryAddress, parseRegistryAddress, type RegistryAddress } from '../../src/core/registry-address.js';

function address(input: string): RegistryAddress {
  const result = parseRegistryAddress(input);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(input)} to parse, got: ${result.message}`);
  return result.value;
}

describe('parseRegistryAddress', () => {
  it.each<[string, string, string]>([
    ['localhost:5000', 'localhost:5000', ''],
    ['http://localhost:5000', 'localhost:5000', ''],
    ['https://127.0.0.1:5000/', '127.0.0.1:5000', ''],
    ['HTTPS://registry.example.com', 'registry.example.com', ''],
    ['https://registry.example.com:8443/team/etl/', 'registry.example.com:8443', 'team/etl'],
    ['registry.example.com/team', 'registry.example.com', 'team'],
    ['docker.io', 'docker.io', ''],
    ['index.docker.io', 'docker.io', ''],
    ['https://index.docker.io/v1/', 'docker.io', ''],
    ['docker.io/myuser', 'docker.io', 'myuser'],
    ['[::1]:5000', '[::1]:5000', ''],
  ])('normalises %s to host %s and prefix %j', (input, host, pathPrefix) => {
    expect(address(input)).toEqual({ host, pathPrefix });
  });

  it('formats host and prefix back', () => {
    expect(formatRegistryAddress(address('https://r.example.com:5000/team/'))).toBe('r.example.com:5000/team');
    expect(formatRegistryAddress(address('localhost:5000'))).toBe('localhost:5000');
  });

  it.each([
    ['', /empty/],
    ['ftp://registry.example.com', /scheme "ftp:\/\/"/],
    ['https://', /no host/],
    ['localhost:0', /port 0 is out of range/],
    ['localhost:70000', /out of range/],
    ['local_host:5000', /invalid host/],
    ['registry.example.com/Team', /upper-case/],
    ['registry.example.com/team/app:1', /path component/],
    ['registry example.com', /whitespace/],
  ])('refuses %j, saying why', (input, message) => {
    const result = parseRegistryAddress(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it.each(['https://bob:hunter2@registry.example.com', 'registry.example.com?token=hunter2', 'registry.example.com#hunter2'])(
    'refuses %j without repeating any part of it',
    (input) => {
      const result = parseRegistryAddress(input);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.message).not.toContain('hunter2');
        expect(result.message).not.toContain('bob');
        expect(result.message).toMatch(/credentials|query|fragment/);
      }
    },
  );
});

describe('configKeyHost', () => {
  it('reads Docker config keys as the docker CLI does: scheme and path dropped, Hub aliases joined', () => {
    expect(configKeyHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(configKeyHost('index.docker.io')).toBe('docker.io');
    expect(configKeyHost('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(configKeyHost('Registry.Example.com')).toBe('registry.example.com');
  });
});
