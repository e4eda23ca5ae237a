import type Docker from 'dockerode';

/** `docker-job/node-base:<major of the Node that runs the script>`. */
export declare const NODE_BASE_IMAGE: string;
/** Builds the offline Node base image unless it exists (or `rebuild`); resolves with its name. */
export declare function ensureNodeBaseImage(docker?: Docker, options?: { rebuild?: boolean }): Promise<string>;
