import { inject } from 'vitest';
import { createDockerEngine } from '../../src/index.js';
import { describeContainerEngine } from '../contract/container-engine.contract.js';
import { suiteLabels } from '../support/engine.js';

describeContainerEngine('DockerEngine (local engine)', () => ({
  engine: createDockerEngine(),
  image: inject('fixtureImage'),
  labels: suiteLabels('contract-docker'),
  specDefaults: { network: 'none' },
}));
