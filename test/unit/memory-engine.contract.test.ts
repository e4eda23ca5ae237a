/**
 * The in-memory engine of the test support passes the contract suite, as the Docker engine does;
 * so do its variants that behave like a cluster engine (merged streams, output replayed from a
 * log, OOM kills it cannot tell, images its nodes pull), which exercise the suite's branches for
 * such engines before a real one exists.
 */
import { describeContainerEngine, CONTRACT_PROGRAMS } from '../contract/container-engine.contract.js';
import { createMemoryEngine } from '../support/memory-engine.js';

describeContainerEngine('in-memory engine, like one Docker engine', () => ({
  engine: createMemoryEngine({ programs: CONTRACT_PROGRAMS }),
  image: 'memory/busybox:1',
  labels: { 'docker-job-test.suite': 'memory-contract' },
}));

describeContainerEngine('in-memory engine, like a cluster engine (merged streams, replayed log, nodes pull)', () => ({
  engine: createMemoryEngine({
    programs: CONTRACT_PROGRAMS,
    capabilities: { streams: 'merged', output: 'log', oomKill: 'unknown', images: 'nodes', pullPolicies: ['always', 'missing', 'never'], fields: { workdir: true, user: true, memory: true } },
  }),
  image: 'memory/busybox:1',
  labels: { 'docker-job-test.suite': 'memory-contract-cluster' },
}));
