/**
 * The engines docker-job ships, in the order docs/engines.md shows them. To add an engine, add
 * one line here with its capabilities (declared as data next to its adapter, without loading
 * it): the support matrix in docs/engines.md gets its column from this list.
 */
import type { EngineCapabilities } from './container-engine.js';
import { DOCKER_CAPABILITIES } from './docker/docker-capabilities.js';

/** One engine docker-job ships. */
export interface BuiltinEngine {
  /** Its column title in docs/engines.md. */
  readonly title: string;
  /** The function that makes it. */
  readonly factory: string;
  /** What it can do. */
  readonly capabilities: EngineCapabilities;
}

/** The engines docker-job ships. */
export const BUILTIN_ENGINES: readonly BuiltinEngine[] = [
  { title: 'Docker (and Podman)', factory: 'createDockerEngine', capabilities: DOCKER_CAPABILITIES },
];
