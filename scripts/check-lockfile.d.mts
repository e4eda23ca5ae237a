/** The gaps of a lockfile (v2 or v3) against its package.json, as sentences; none when it is complete. */
export declare function findLockfileGaps(manifest: Record<string, unknown>, lock: { lockfileVersion?: number; packages?: Record<string, Record<string, unknown>> }): string[];
