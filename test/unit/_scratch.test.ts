import { it } from 'vitest';
import { safeParseJobConfig } from '../../src/core/job-config.js';
import { configFromEnv } from '../../src/core/env.js';
it('x', () => {
  const show = (x: unknown) => { try { console.log(JSON.stringify(x)); } catch (e) { console.log(String(e)); } };
  show(safeParseJobConfig({ image: 'a', secretField: 'hunter2' }));
  show(safeParseJobConfig({ image: 'sec ret', env: { DB_PWD: 12345, 'A=B': 'x' }, command: 'a "b', entrypoint: 5, volumes: ['/a:/b', 'x:y', 7], labels: { 'io.docker-job.x': 'y', k: 3 }, tty: 'yes', pull: 'sometimes', timeoutMs: 1.5, stopTimeout: -1, name: '-bad' }));
  show(safeParseJobConfig(null));
  show(safeParseJobConfig('str'));
  show(safeParseJobConfig({}));
  show(safeParseJobConfig({ image: 'a', volumes: ['/a:/d', '/b:/d/', 'v:/d:ro'] }));
  for (const t of ['[/host:/c]', '["/a:/b"', '["/a:/b",]', '["a"] x', '[', '["a" "b"]'])
    try { JSON.parse(t); } catch (e) { console.log(t, '=>', (e as Error).message); }
  try { configFromEnv({ VOLUMES: '["/a:/b" "x"]' }); } catch (e) { console.log((e as Error).message); }
  try { configFromEnv({ IMAGE: 'a', DOCKER_JOB_ENTRYPOINT: '["a"' }); console.log('no throw entrypoint'); } catch (e) { console.log((e as Error).message); }
  try { configFromEnv({ DOCKER_JOB_PULL: 'sometimes' }); } catch (e) { console.log((e as Error).message); }
});
