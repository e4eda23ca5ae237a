import pkg from '../../package.json' with { type: 'json' };

/** The package's version, inlined at build time so that `docker-job --version` loads nothing else. */
export const VERSION: string = pkg.version;
