/**
 * What a run asks of its engine: the job's spec, and the check, before the engine is contacted,
 * that the engine can honour every field the job sets.
 */
import { randomUUID } from 'node:crypto';
import { variableOf } from '../core/env.js';
import { effectivePullPolicy, SPEC_FIELDS, unsupportedFieldIssues, type ResolvedJob } from '../core/job-fields.js';
import type { ContainerEngine, EngineCapabilities, JobSpec } from '../engine/container-engine.js';
import { ConfigError } from '../errors/config-error.js';
import { LABELS, launcherLabels, OWNER } from './labels.js';
import { currentLauncher, type LauncherIdentity } from './launcher.js';

/**
 * Refuses, before the engine is contacted, a job the engine cannot run as asked: a field it does
 * not honour (named as the user wrote it: the field, or its `DOCKER_JOB_*` variable), or a pull
 * policy its nodes cannot apply. Nothing is dropped silently.
 * @throws {ConfigError} naming every such field.
 */
export function checkEngineSupport(job: ResolvedJob, engine: Pick<ContainerEngine, 'name' | 'capabilities'>): void {
  const { capabilities } = engine;
  const issues = unsupportedFieldIssues(job, { name: engine.name, fields: capabilities.fields }, (field) => variableOf(job, field));
  if (capabilities.images === 'nodes') {
    const policy = effectivePullPolicy(job);
    const honoured = capabilities.pullPolicies ?? ['always', 'missing', 'never'];
    if (!honoured.includes(policy)) {
      issues.push({
        path: variableOf(job, 'pull') ?? 'pull',
        message: `${job.pull === undefined ? `defaults to ${policy} for this image, ` : ''}a pull policy the ${engine.name}'s nodes cannot apply`,
        expected: `one of ${honoured.join(', ')}`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/**
 * Builds the engine's job spec from a resolved job: the fields that reach engines, as they are,
 * and the ownership labels; for an engine whose nodes pull, the pull policy too.
 */
export function toJobSpec(job: ResolvedJob, runId: string = randomUUID(), launcher: LauncherIdentity = currentLauncher(), images: EngineCapabilities['images'] = 'local'): JobSpec {
  const spec: Record<string, unknown> = {};
  for (const field of SPEC_FIELDS) if (job[field] !== undefined) spec[field] = job[field];
  spec['labels'] = { ...job.labels, [LABELS.owner]: OWNER, [LABELS.runId]: runId, ...launcherLabels(launcher), [LABELS.remove]: job.remove };
  if (images === 'nodes') spec['pull'] = effectivePullPolicy(job);
  return spec as unknown as JobSpec;
}
