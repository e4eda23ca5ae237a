import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeJob } from '../../src/core/describe-job.js';
import { parseJobConfig } from '../../src/core/job-config.js';
import { parseCommandString } from '../../src/core/command.js';

const secret = 'hunter2-Zq9';

describe('describeJob', () => {
  const job = parseJobConfig({
    image: 'registry.example.com/etl/loader:1.4',
    command: ['psql', `--password=${secret}`, '-c', 'select 1'],
    env: { DB_HOST_ENV: 'db.internal', DB_PWD_ENV: secret, NOTE: `contains ${secret}` },
    volumes: ['/srv/etl:/data:ro', 'cache:/cache', '/scratch'],
    memory: '512m',
    cpus: 1.5,
    gpus: '"device=0,1"',
    labels: { team: 'data', 'api-token': 'lbl-secret' },
    capDrop: ['ALL'],
    entrypoint: ['/usr/bin/tini', '--'],
    timeoutMs: 60_000,
    network: 'none',
  });
  const description = describeJob(job);

  it('masks secret-looking variables and labels, and their values wherever they appear', () => {
    const all = JSON.stringify(description);
    expect(all).not.toContain(secret);
    expect(all).not.toContain('lbl-secret');
    expect(description.json['env']).toEqual({ DB_HOST_ENV: 'db.internal', DB_PWD_ENV: '***', NOTE: 'contains ***' });
    expect(description.json['labels']).toEqual({ team: 'data', 'api-token': '***' });
    expect(description.json['command']).toEqual(['psql', '--password=***', '-c', 'select 1']);
  });

  it('masks values the caller names, and uses the caller’s secret words', () => {
    const d = describeJob(parseJobConfig({ image: 'x:1', env: { SENTRY_DSN: 'https://k@sentry', PLAIN: 'p-123' } }), { secretWords: ['dsn'], secrets: ['p-123'] });
    expect(d.json['env']).toEqual({ SENTRY_DSN: '***', PLAIN: '***' });
  });

  it('gives JSON with the effective pull policy and every resolved field', () => {
    expect(description.json).toMatchObject({
      image: 'registry.example.com/etl/loader:1.4',
      pull: 'missing',
      memory: 536_870_912,
      cpus: 1.5,
      volumes: [{ type: 'bind', source: '/srv/etl', target: '/data', readOnly: true }, { type: 'volume', source: 'cache', target: '/cache' }, { type: 'volume', target: '/scratch' }],
      remove: 'always',
    });
    expect(JSON.parse(JSON.stringify(description.json))).toEqual(description.json);
  });

  it('renders aligned text, one field per line, with units', () => {
    const lines = description.text.split('\n');
    expect(lines).toContain('image       registry.example.com/etl/loader:1.4');
    expect(lines).toContain('pull        missing (default for a tagged or pinned image)');
    expect(lines).toContain('memory      512m (536870912 bytes)');
    expect(lines).toContain('volumes     /srv/etl:/data:ro');
    expect(lines).toContain('            cache:/cache');
    expect(lines).toContain('env         DB_HOST_ENV=db.internal');
    expect(lines).toContain('            DB_PWD_ENV=***');
    expect(lines).toContain('gpus        "device=0,1"');
    expect(lines).toContain('stop        SIGTERM, then SIGKILL after 10 s');
  });

  it('gives the equivalent docker run command line, which splits back into its arguments', () => {
    expect(description.dockerRun).toBe(
      "docker run --rm --pull missing -e DB_HOST_ENV=db.internal -e 'DB_PWD_ENV=***' -e 'NOTE=contains ***' -v /srv/etl:/data:ro -v cache:/cache -v /scratch --network none --memory 512m --cpus 1.5 --gpus '\"device=0,1\"' --cap-drop ALL --label team=data --label 'api-token=***' --stop-timeout 10 --entrypoint /usr/bin/tini registry.example.com/etl/loader:1.4 -- psql '--password=***' -c 'select 1'",
    );
    const argv = parseCommandString(description.dockerRun);
    expect(argv.ok && argv.value.slice(-5)).toEqual(['--', 'psql', '--password=***', '-c', 'select 1']);
  });

  it('says when the image’s own entrypoint and command are used, or the entrypoint is removed', () => {
    const plain = describeJob(parseJobConfig({ image: 'busybox' }));
    expect(plain.text).toContain("entrypoint  (the image's)");
    expect(plain.text).toContain('pull        always (default for a latest or untagged image)');
    expect(plain.dockerRun).toBe('docker run --rm --pull always --stop-timeout 10 busybox');
    const reset = describeJob(parseJobConfig({ image: 'busybox:1', entrypoint: '', command: 'echo hi', remove: 'never' }));
    expect(reset.text).toContain('entrypoint  (none)');
    expect(reset.dockerRun).toBe("docker run --pull missing --stop-timeout 10 --entrypoint '' busybox:1 echo hi");
  });

  it('never shows the value of a secret-looking variable, for any values', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4 }).filter((s) => !s.includes('\0')), (value) => {
        const d = describeJob(parseJobConfig({ image: 'x:1', env: { API_TOKEN: value }, command: ['echo', value] }));
        expect(JSON.stringify(d)).not.toContain(JSON.stringify(value).slice(1, -1));
      }),
      { numRuns: 200 },
    );
  });
});
