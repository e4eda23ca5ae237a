/**
 * What the Docker adapter can do, as data (no dockerode here): docs/engines.md and the support
 * check read it without loading the adapter.
 */
import type { EngineCapabilities } from '../container-engine.js';

/** The capabilities of {@link DockerEngine}: one Docker (or Podman) engine, every job field. */
export const DOCKER_CAPABILITIES: EngineCapabilities = Object.freeze({
  streams: 'separate',
  output: 'attach',
  oomKill: 'reported',
  images: 'local',
  fields: Object.freeze({
    volumes: true,
    workdir: true,
    user: true,
    network: true,
    name: true,
    tty: true,
    stopSignal: true,
    platform: true,
    init: true,
    memory: true,
    memorySwap: true,
    cpus: true,
    shmSize: true,
    pidsLimit: true,
    gpus: true,
    readOnly: true,
    capAdd: true,
    capDrop: true,
    privileged: true,
    pidMode: true,
    extraHosts: true,
    logDriver: true,
    logOptions: true,
  }),
});
