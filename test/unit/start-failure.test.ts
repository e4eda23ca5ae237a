/**
 * Which failed starts are the command's (127/126, as `docker run` reports them) and which are the
 * engine refusing the job. Messages marked "recorded" are the engine's own (`State.Error` after a
 * failed start, Docker Engine 20.10.24 with runc 1.1.5); the others follow runc's wording (1.0's for
 * `container_linux.go`) for failures not produced here.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeForStartError } from '../../src/engine/docker/docker-container-job.js';

const RUNC = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process:';

describe('exitCodeForStartError', () => {
  it.each([
    [`${RUNC} exec: "nope": executable file not found in $PATH: unknown`, 127], // recorded
    [`${RUNC} exec: "/nope": stat /nope: no such file or directory: unknown`, 127], // recorded
    ['OCI runtime create failed: container_linux.go:380: starting container process caused: exec: "nope": executable file not found in $PATH: unknown', 127],
    [`${RUNC} exec: "/etc": permission denied: unknown`, 126], // recorded
    [`${RUNC} exec: "/job/not-executable": permission denied: unknown`, 126],
    [`${RUNC} exec: "/bin/sh/x": stat /bin/sh/x: not a directory: unknown`, 126],
    // A quote in the command's name is escaped by the runtime; the name ends at the unescaped one.
    [`${RUNC} exec: "a \\"quoted\\": name": executable file not found in $PATH: unknown`, 127],
  ] as const)('reads the command’s own failure: %s → %i', (message, code) => {
    expect(exitCodeForStartError(message)).toBe(code);
  });

  it.each([
    // Recorded: a file bound onto a directory (the engine itself stores exit code 127 for it) ...
    `${RUNC} error during container init: error mounting "/tmp/rv-a-file" to rootfs at "/etc": mount /tmp/rv-a-file:/etc (via /proc/self/fd/6), flags: 0x5000: not a directory: unknown: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`,
    // ... and a directory bound onto /etc/passwd: the user cannot be looked up (from runc, from dockerd).
    `${RUNC} unable to setup user: unable to find user 0: read /etc/passwd: is a directory: unknown`,
    'unable to find user 0: read /var/lib/docker/overlay2/2fba0ffc/merged/etc/passwd: is a directory',
    // A mount source that vanished, and a working directory that is a file.
    `${RUNC} error during container init: error mounting "/gone" to rootfs at "/data": stat /gone: no such file or directory: unknown`,
    `${RUNC} error during container init: chdir to cwd ("/etc/hostname") set in config.json failed: not a directory: unknown`,
    `${RUNC} error during container init: open /proc/self/fd: permission denied: unknown`,
    'driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:8080 failed: port is already allocated',
  ])('leaves a failure that is not the command’s to the engine: %s', (message) => {
    expect(exitCodeForStartError(message)).toBeUndefined();
  });
});
