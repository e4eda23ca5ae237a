import { describe, it, expect } from 'vitest';
import { configFromEnv } from '../../src/core/env.js';
import { parseJobConfig, safeParseJobConfig } from '../../src/core/job-config.js';
import { toJobSpec } from '../../src/run/job-spec.js';

describe('logDriver and logOptions', () => {
  it('are absent unless set, so the engine default applies', () => {
    const job = parseJobConfig({ image: 'busybox' });
    expect(job.logDriver).toBeUndefined();
    expect(job.logOptions).toBeUndefined();
    expect(toJobSpec(job, 'run')).not.toHaveProperty('logDriver');
    expect(toJobSpec(job, 'run')).not.toHaveProperty('logOptions');
  });

  it('accept the engine drivers and plugin names, and reach the job spec', () => {
    for (const driver of ['json-file', 'local', 'none', 'journald', 'grafana/loki-docker-driver:2.9']) {
      expect(parseJobConfig({ image: 'busybox', logDriver: driver }).logDriver).toBe(driver);
    }
    const job = parseJobConfig({ image: 'busybox', logDriver: 'local', logOptions: { 'max-size': '10m', 'max-file': '3' } });
    expect(toJobSpec(job, 'run')).toMatchObject({ logDriver: 'local', logOptions: { 'max-size': '10m', 'max-file': '3' } });
  });

  it('refuse a malformed driver name or option, naming the field', () => {
    const bad = safeParseJobConfig({ image: 'busybox', logDriver: 'Json File', logOptions: { '': 'x', ok: 3 } });
    expect(bad.success).toBe(false);
    if (bad.success) return;
    expect(bad.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['logDriver', 'logOptions.ok']));
    expect(bad.issues.find((i) => i.path === 'logDriver')?.message).toMatch(/log driver name such as json-file, local or none/);
  });

  it('come from DOCKER_JOB_LOG_DRIVER in the environment', () => {
    expect(configFromEnv({ IMAGE: 'busybox', DOCKER_JOB_LOG_DRIVER: 'none' }).logDriver).toBe('none');
    expect(configFromEnv({ IMAGE: 'busybox' }).logDriver).toBeUndefined();
  });

  it('name DOCKER_JOB_LOG_DRIVER when its value is malformed', () => {
    expect(() => configFromEnv({ IMAGE: 'busybox', DOCKER_JOB_LOG_DRIVER: 'no such driver' })).toThrow(/DOCKER_JOB_LOG_DRIVER/);
  });
});
