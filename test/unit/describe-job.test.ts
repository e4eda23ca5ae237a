import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describeJob } from '../../src/core/describe-job.js';
import { JobConfigSchema, parseJobConfig } from '../../src/core/job-config.js';
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
      "docker run -e DB_HOST_ENV=db.internal -e 'DB_PWD_ENV=***' -e 'NOTE=contains ***' -v /srv/etl:/data:ro -v cache:/cache -v /scratch --network none --pull missing --stop-timeout 10 --memory 512m --cpus 1.5 --gpus '\"device=0,1\"' --label team=data --label 'api-token=***' --cap-drop ALL --rm --entrypoint /usr/bin/tini registry.example.com/etl/loader:1.4 -- psql '--password=***' -c 'select 1'",
    );
    const argv = parseCommandString(description.dockerRun);
    expect(argv.ok && argv.value.slice(-5)).toEqual(['--', 'psql', '--password=***', '-c', 'select 1']);
  });

  it('says when the image’s own entrypoint and command are used, or the entrypoint is removed', () => {
    const plain = describeJob(parseJobConfig({ image: 'busybox' }));
    expect(plain.text).toContain("entrypoint  (the image's)");
    expect(plain.text).toContain('pull        always (default for a latest or untagged image)');
    expect(plain.dockerRun).toBe('docker run --pull always --stop-timeout 10 --rm busybox');
    const reset = describeJob(parseJobConfig({ image: 'busybox:1', entrypoint: '', command: 'echo hi', remove: 'never' }));
    expect(reset.text).toContain('entrypoint  (none)');
    expect(reset.dockerRun).toBe("docker run --pull missing --stop-timeout 10 --entrypoint '' busybox:1 echo hi");
  });

  it('masks secret-looking log driver options, and their values everywhere', () => {
    const d = describeJob(
      parseJobConfig({ image: 'x:1', command: ['echo', 'tok-s3cr3t-42'], logDriver: 'splunk', logOptions: { 'splunk-token': 'tok-s3cr3t-42', 'splunk-url': 'https://splunk.internal:8088' } }),
    );
    expect(JSON.stringify(d)).not.toContain('tok-s3cr3t-42');
    expect(d.json['logOptions']).toEqual({ 'splunk-token': '***', 'splunk-url': 'https://splunk.internal:8088' });
    expect(d.json['command']).toEqual(['echo', '***']);
    expect(d.text.split('\n')).toEqual(expect.arrayContaining(['logDriver   splunk', 'logOptions  splunk-token=***', '            splunk-url=https://splunk.internal:8088']));
    expect(d.dockerRun).toContain("--log-driver splunk --log-opt 'splunk-token=***' --log-opt splunk-url=https://splunk.internal:8088");
  });

  it('masks the values the caller names in log options, and secret-looking GPU driver options', () => {
    const d = describeJob(parseJobConfig({ image: 'x:1', logDriver: 'gelf', logOptions: { 'gelf-address': 'udp://u:pw-778@logs:12201' }, gpus: { count: 1, options: { 'license-key': 'lic-9931' } } }), { secrets: ['pw-778'] });
    const all = JSON.stringify(d);
    expect(all).not.toContain('pw-778');
    expect(all).not.toContain('lic-9931');
    expect(d.json['logOptions']).toEqual({ 'gelf-address': 'udp://u:***@logs:12201' });
    expect(d.json['gpus']).toEqual([expect.objectContaining({ options: { 'license-key': '***' } })]);
    expect(d.dockerRun).toContain("--gpus 'options=license-key=***'");
  });

  it('gives every field of a job a docker run flag', () => {
    const full = parseJobConfig({
      image: 'etl:2',
      command: 'run --all',
      entrypoint: ['/init', '--'],
      env: { A: '1' },
      volumes: ['/srv/in:/in:ro'],
      workdir: '/work',
      user: '1000:1000',
      network: 'none',
      pull: 'never',
      platform: 'linux/amd64',
      timeoutMs: 5000,
      stopTimeout: 3,
      stopSignal: 'SIGINT',
      init: false,
      memory: '64m',
      memorySwap: '128m',
      cpus: '0.5',
      shmSize: '16m',
      pidsLimit: 50,
      gpus: 'all',
      labels: { team: 'data' },
      name: 'etl-run',
      readOnly: true,
      capAdd: ['NET_ADMIN'],
      capDrop: ['ALL'],
      privileged: true,
      pidMode: 'host',
      extraHosts: ['db:10.0.0.5'],
      tty: true,
      remove: 'always',
      logDriver: 'local',
      logOptions: { 'max-size': '10m' },
    });
    const dockerRun = describeJob(full).dockerRun;
    // A field added to the schema without a flag (or a reason for none) fails here.
    const flags: Record<string, string> = {
      image: ' etl:2 ', command: ' run --all', entrypoint: ' --entrypoint ', env: ' -e ', volumes: ' -v ', workdir: ' -w ', user: ' -u ', network: ' --network ',
      pull: ' --pull ', platform: ' --platform ', stopTimeout: ' --stop-timeout ', stopSignal: ' --stop-signal ', init: ' --init', memory: ' --memory ',
      memorySwap: ' --memory-swap ', cpus: ' --cpus ', shmSize: ' --shm-size ', pidsLimit: ' --pids-limit ', gpus: ' --gpus ', labels: ' --label ', name: ' --name ',
      readOnly: ' --read-only ', capAdd: ' --cap-add ', capDrop: ' --cap-drop ', privileged: ' --privileged ', pidMode: ' --pid ', extraHosts: ' --add-host ',
      tty: ' -t ', remove: ' --rm ', logDriver: ' --log-driver ', logOptions: ' --log-opt ',
    };
    const noFlag = ['timeoutMs', 'envFile']; // docker-job's own timer; env files are merged into the -e flags
    for (const field of Object.keys(JobConfigSchema.pipe[0].entries)) {
      if (noFlag.includes(field)) continue;
      expect(Object.keys(full), field).toContain(field);
      expect(dockerRun, field).toContain(flags[field] ?? `no flag known for ${field}`);
    }
    expect(dockerRun).toBe(
      // The flags come in the order of the field table (docs/configuration.md).
      'docker run -e A=1 -v /srv/in:/in:ro -w /work -u 1000:1000 --network none --pull never --platform linux/amd64 --stop-timeout 3 --stop-signal SIGINT --init=false --memory 64m --memory-swap 128m --cpus 0.5 --shm-size 16m --pids-limit 50 --gpus all --label team=data --name etl-run --read-only --cap-add CAP_NET_ADMIN --cap-drop ALL --privileged --pid host --add-host db:10.0.0.5 -t --rm --log-driver local --log-opt max-size=10m --entrypoint /init etl:2 -- run --all',
    );
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
