/**
 * The options of building, pushing and packaging images, as valibot schemas: the single source of
 * their types, and of the checks a CLI gets for free by mapping its flags onto them one to one.
 * Pure: no I/O.
 */
import * as v from 'valibot';
import { parseRegistryAddress, type RegistryAddress } from '../core/registry-address.js';
import { Argv, imageReference, nonEmptyString as nonEmpty, parsedString, Platform, stringRecord, toConfigIssue } from '../core/schema-helpers.js';
import type { EntriesInput, EntriesOutput } from '../core/schema-types.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import type { RegistryCredentials } from '../registry/resolve-registry-auth.js';

/**
 * The base image when a build names neither a Dockerfile nor a base image: Debian 12 "bookworm",
 * slim. Install commands need a package manager (apt), database drivers and C bindings need glibc
 * (not musl, as on Alpine), and slim keeps it small. It is pinned to a Debian release, not
 * `latest`, so a build does not change distribution under its users.
 */
export const DEFAULT_BASE_IMAGE = 'debian:bookworm-slim';

/** Names to strings; `__proto__` and its like are refused by name, as in a job. */
const StringRecord = stringRecord(v.string());

/** A file to copy into the image: `{ source, destination }`, or the string `source:destination`. */
const FileSpec: v.GenericSchema<string | FileCopy, FileCopy> = v.pipe(
  v.union(
    [
      v.string(),
      v.strictObject({ source: nonEmpty('a path on this machine'), destination: nonEmpty('a path in the image') }),
    ],
    'must be "source:destination" or { source, destination }',
  ),
  v.rawTransform<string | { source: string; destination: string }, FileCopy>(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') return dataset.value;
    // The last colon separates: destinations are image paths, which rarely hold one (use the object form then).
    const colon = dataset.value.lastIndexOf(':');
    if (colon <= 0 || colon === dataset.value.length - 1) {
      addIssue({ message: 'is not "source:destination"', expected: 'a string such as ./sql:/app/sql, or { source, destination }' });
      return NEVER;
    }
    return { source: dataset.value.slice(0, colon), destination: dataset.value.slice(colon + 1) };
  }),
);

/** Fields that only make sense for a build from a base image. */
const RECIPE_FIELDS = ['install', 'files', 'root', 'env', 'instructions', 'workdir', 'user', 'entrypoint', 'command'] as const;

const buildEntries = {
  /** The build context directory (Dockerfile builds). Default: the Dockerfile's directory. */
  context: v.optional(nonEmpty('a directory')),
  /** The Dockerfile to build from, relative to the working directory or absolute. With `context` alone: `<context>/Dockerfile`. */
  dockerfile: v.optional(nonEmpty('a path to a Dockerfile')),
  /** Build from this base image and the recipe fields instead of a Dockerfile. */
  baseImage: v.optional(imageReference({ digest: true })),
  /**
   * The base image when neither `dockerfile`, `context` nor `baseImage` is given. Default
   * {@link DEFAULT_BASE_IMAGE}; `false`: no default, such a build is refused.
   */
  defaultBaseImage: v.optional(v.union([imageReference({ digest: true }), v.literal(false)], 'must be an image reference or false'), DEFAULT_BASE_IMAGE),
  /** Shell commands run on the base image, one `RUN` each, in order. */
  install: v.optional(v.array(v.string('must be a string'), 'must be a list of shell commands')),
  /** Files or directories to copy into the image: `{ source, destination }` or `"source:destination"`. */
  files: v.optional(v.array(FileSpec, 'must be a list of files')),
  /** The directory relative `files` sources start from. Default: the working directory. */
  root: v.optional(nonEmpty('a directory')),
  /** Environment of the image (`ENV`). */
  env: v.optional(StringRecord),
  /** Extra Dockerfile instructions, one line each. */
  instructions: v.optional(v.array(v.string('must be a string'), 'must be a list of Dockerfile instructions')),
  /** Working directory of the image (`WORKDIR`). */
  workdir: v.optional(nonEmpty('a path in the image')),
  /** User the image runs as (`USER`). */
  user: v.optional(nonEmpty('a user name or uid[:gid]')),
  /** Entrypoint of the image: argv array or command string. */
  entrypoint: v.optional(Argv),
  /** Default command of the image: argv array or command string. */
  command: v.optional(Argv),
  /** References to tag the built image with, e.g. `etl-job:1.2`. */
  tags: v.optional(v.array(imageReference({ digest: false }), 'must be a list of image references'), []),
  /** Build arguments. In builds from a base image they are declared (`ARG`) for the install commands. */
  buildArgs: v.optional(StringRecord, {}),
  /** Labels set on the image. */
  labels: v.optional(StringRecord, {}),
  /** The stage of a multi-stage Dockerfile to build. */
  target: v.optional(nonEmpty('a stage name')),
  /** The platform to build for, e.g. `linux/amd64`. */
  platform: v.optional(Platform),
  /** Pull newer base images even when present. Default `false`. */
  pull: v.optional(v.boolean('must be true or false'), false),
  /** Build without the cache. Default `false`. */
  noCache: v.optional(v.boolean('must be true or false'), false),
  /**
   * The Docker config directory whose credentials are used for private base images (and, when
   * packaging, for the push). Default: `DOCKER_CONFIG`, else `~/.docker`. `false`: none is read.
   */
  dockerConfig: v.optional(v.union([nonEmpty('a directory'), v.literal(false)], 'must be a directory or false')),
};

/** The build options after the schema's own checks and defaults, before {@link resolveBuild}. */
type BuildInput = EntriesOutput<typeof buildEntries>;

/** Settings common to both kinds of build. */
export interface BuildSettings {
  /** References the image is tagged with, as given (`etl-job:1.2`). */
  readonly tags: readonly string[];
  /** Build arguments (`ARG`). */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Labels set on the image. */
  readonly labels: Readonly<Record<string, string>>;
  /** The stage of a multi-stage Dockerfile to build; absent: the last. */
  readonly target?: string;
  /** The platform to build for, `os/arch[/variant]`; absent: the engine's own. */
  readonly platform?: string;
  /** Pull newer base images even when present. */
  readonly pull: boolean;
  /** Build without the cache. */
  readonly noCache: boolean;
  /** The Docker config directory credentials are read from; `false`: none; absent: the default. */
  readonly dockerConfig?: string | false;
}

/** A validated build from a Dockerfile. */
export interface ResolvedDockerfileBuild extends BuildSettings {
  /** Built from a Dockerfile. */
  readonly kind: 'dockerfile';
  /** The context directory, as given; absent: the Dockerfile's directory. */
  readonly context?: string;
  /** The Dockerfile, as given; absent: `Dockerfile` in the context. */
  readonly dockerfile?: string;
}

/** A validated build from a base image and a recipe (docker-job generates the Dockerfile). */
export interface ResolvedRecipeBuild extends BuildSettings {
  /** Built from a base image. */
  readonly kind: 'base-image';
  /** The image to build on. */
  readonly baseImage: string;
  /** `true` when the base image is the default, not one the caller named. */
  readonly defaulted: boolean;
  /** Shell commands run on the base image, one `RUN` each, in order. */
  readonly install: readonly string[];
  /** Files or directories to copy into the image. */
  readonly files: readonly FileCopy[];
  /** The directory relative `files` sources start from; absent: the working directory. */
  readonly root?: string;
  /** Environment of the image (`ENV`). */
  readonly env: Readonly<Record<string, string>>;
  /** Extra Dockerfile instructions, one line each. */
  readonly instructions: readonly string[];
  /** Working directory of the image (`WORKDIR`). */
  readonly workdir?: string;
  /** User the image runs as (`USER`). */
  readonly user?: string;
  /** Entrypoint of the image, as argv. */
  readonly entrypoint?: readonly string[];
  /** Default command of the image, as argv. */
  readonly command?: readonly string[];
}

/** A file or directory to copy into an image. */
export interface FileCopy {
  /** The path on this machine, absolute or relative to the build's `root`. */
  readonly source: string;
  /** The path in the image. */
  readonly destination: string;
}

/** A validated build: from a Dockerfile, or from a base image and a recipe. */
export type ResolvedBuild = ResolvedDockerfileBuild | ResolvedRecipeBuild;

/** Checks that a build is either from a Dockerfile or from a base image, and says which. */
function resolveBuild(input: BuildInput, addIssue: (issue: { message: string; expected?: string; path: string }) => void): ResolvedBuild | undefined {
  const settings: BuildSettings = {
    tags: input.tags,
    buildArgs: input.buildArgs,
    labels: input.labels,
    pull: input.pull,
    noCache: input.noCache,
    ...(input.target === undefined ? {} : { target: input.target }),
    ...(input.platform === undefined ? {} : { platform: input.platform }),
    ...(input.dockerConfig === undefined ? {} : { dockerConfig: input.dockerConfig }),
  };
  const fromDockerfile = input.dockerfile !== undefined || input.context !== undefined;
  const recipeFields = RECIPE_FIELDS.filter((f) => input[f] !== undefined);
  let failed = false;
  const issue = (path: string, message: string, expected?: string) => {
    failed = true;
    addIssue(expected === undefined ? { path, message } : { path, message, expected });
  };
  if (fromDockerfile) {
    const by = input.dockerfile !== undefined ? 'dockerfile' : 'context';
    if (input.baseImage !== undefined) {
      issue('baseImage', `cannot be given with ${by}: an image is built either from a Dockerfile or from a base image, never both`, 'either dockerfile (and context) or baseImage');
    }
    for (const field of recipeFields) issue(field, `applies only to builds from a base image, not with ${by}`, 'the instruction in the Dockerfile instead');
    return failed ? undefined : { ...settings, kind: 'dockerfile', ...(input.context === undefined ? {} : { context: input.context }), ...(input.dockerfile === undefined ? {} : { dockerfile: input.dockerfile }) };
  }
  const baseImage = input.baseImage ?? (input.defaultBaseImage === false ? undefined : input.defaultBaseImage);
  if (baseImage === undefined) {
    issue('baseImage', 'is not given, nor is dockerfile, and there is no default base image (defaultBaseImage is false)', 'dockerfile (a Dockerfile to build) or baseImage (an image to build on)');
    return undefined;
  }
  if (input.target !== undefined) issue('target', 'applies only to multi-stage Dockerfiles; a build from a base image has one stage', 'no target, or a Dockerfile');
  if (failed) return undefined;
  return {
    ...settings,
    kind: 'base-image',
    baseImage,
    defaulted: input.baseImage === undefined,
    install: input.install ?? [],
    files: input.files ?? [],
    env: input.env ?? {},
    instructions: input.instructions ?? [],
    ...(input.root === undefined ? {} : { root: input.root }),
    ...(input.workdir === undefined ? {} : { workdir: input.workdir }),
    ...(input.user === undefined ? {} : { user: input.user }),
    ...(input.entrypoint === undefined ? {} : { entrypoint: input.entrypoint }),
    ...(input.command === undefined ? {} : { command: input.command }),
  };
}

const resolveBuildStep = v.rawTransform<BuildInput, ResolvedBuild>(({ dataset, addIssue, NEVER }) => {
  const resolved = resolveBuild(dataset.value, ({ path, message, expected }) =>
    addIssue({ message, ...(expected === undefined ? {} : { expected }), path: [{ type: 'object', origin: 'value', input: dataset.value, key: path, value: dataset.value[path as keyof BuildInput] }] }),
  );
  return resolved ?? NEVER;
});

/** Options of `buildImage`, as callers write them: each field is checked by {@link BuildOptionsSchema}. */
// An interface over the schema's entries (see core/schema-types.ts), so each field keeps its one comment.
export interface BuildOptions extends EntriesInput<typeof buildEntries> {}

/**
 * The options of `buildImage` ({@link BuildOptions}): a Dockerfile build (`dockerfile` and/or
 * `context`), or a build from a base image (`baseImage`, else the default) with a recipe
 * (`install`, `files`, `env`, `instructions`, `workdir`, `user`, `entrypoint`, `command`); never
 * both. Plus the build settings (`tags`, `buildArgs`, `labels`, `target`, `platform`, `pull`,
 * `noCache`). Its output is a {@link ResolvedBuild}.
 */
export const BuildOptionsSchema: v.GenericSchema<BuildOptions, ResolvedBuild> = v.pipe(v.strictObject(buildEntries), resolveBuildStep);

/** Credentials given for a push, in the registry port's own type. */
const Credentials: v.GenericSchema<RegistryCredentials, RegistryCredentials> = v.strictObject({
  /** User name. */
  username: v.optional(v.string('must be a string')),
  /** Password or access token. */
  password: v.optional(v.string('must be a string')),
  /** OAuth identity token. */
  identityToken: v.optional(v.string('must be a string')),
  /** Registry bearer token. */
  registryToken: v.optional(v.string('must be a string')),
});

const RegistrySchema = parsedString<RegistryAddress>(parseRegistryAddress);

const pushEntries = {
  /**
   * The registry to push to, with an optional path prefix: `registry.example.com:5000/team`,
   * `https://localhost:5000`. The image is tagged into it (`<registry>/<prefix>/<name>:<tag>`).
   * Absent: the image is pushed to the registry its own reference names.
   */
  registry: v.optional(RegistrySchema),
  /** Tags to push; absent: the image's own tag (`latest` when it has none). */
  pushTags: v.optional(v.array(v.pipe(v.string('must be a string'), v.regex(/^[\w][\w.-]{0,127}$/, 'must be a tag (letters, digits, _, . and -, up to 128)')), 'must be a list of tags')),
  /** Credentials for the registry; absent: the Docker config's. */
  credentials: v.optional(Credentials),
  /** The Docker config directory credentials are read from. Default: `DOCKER_CONFIG`, else `~/.docker`. `false`: none. */
  dockerConfig: v.optional(v.union([nonEmpty('a directory'), v.literal(false)], 'must be a directory or false')),
};

/** Options of `pushImage`, as callers write them: each field is checked by {@link PushOptionsSchema}. */
export interface PushOptions extends EntriesInput<typeof pushEntries> {}

/** Validated options of `pushImage`: the registry parsed. */
export interface ResolvedPush extends EntriesOutput<typeof pushEntries> {}

/** The options of `pushImage` ({@link PushOptions}); its output is a {@link ResolvedPush}. */
export const PushOptionsSchema: v.GenericSchema<PushOptions, ResolvedPush> = v.strictObject(pushEntries);

// The push entries but dockerConfig, which the build entries have already (one directory serves both).
const { dockerConfig: _sharedDockerConfig, ...pushOnlyEntries } = pushEntries;
const packageEntries = { ...buildEntries, ...pushOnlyEntries };
const PackageObject = v.strictObject(packageEntries);

/** Options of `packageImage`, as callers write them: every build option and the push options; see {@link PackageOptionsSchema}. */
export interface PackageOptions extends EntriesInput<typeof packageEntries> {}

/** Validated options of `packageImage`: the build, and the push when a registry is given. */
export interface ResolvedPackage {
  /** What to build. */
  readonly build: ResolvedBuild;
  /** Where to push it; absent: the image is only built. */
  readonly push?: ResolvedPush;
}

/**
 * The options of `packageImage` ({@link PackageOptions}): every build option, and the push options;
 * with `registry` the built image is pushed there. Its output is a {@link ResolvedPackage}.
 */
export const PackageOptionsSchema: v.GenericSchema<PackageOptions, ResolvedPackage> = v.pipe(
  PackageObject,
  v.rawTransform<EntriesOutput<typeof packageEntries>, ResolvedPackage>(
    ({ dataset, addIssue, NEVER }) => {
      const { registry, pushTags, credentials, ...build } = dataset.value;
      const resolved = resolveBuild(build, ({ path, message, expected }) =>
        addIssue({ message, ...(expected === undefined ? {} : { expected }), path: [{ type: 'object', origin: 'value', input: dataset.value, key: path, value: undefined }] }),
      );
      if (resolved === undefined) return NEVER;
      if (registry === undefined) {
        if (pushTags !== undefined || credentials !== undefined) {
          addIssue({ message: 'is needed to push (pushTags or credentials are given)', expected: 'a registry such as localhost:5000/team', path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'registry', value: undefined }] });
          return NEVER;
        }
        return { build: resolved };
      }
      if (resolved.tags.length === 0) {
        addIssue({ message: 'must name the image to push', expected: 'at least one tag, e.g. etl-job:1.2', path: [{ type: 'object', origin: 'value', input: dataset.value, key: 'tags', value: undefined }] });
        return NEVER;
      }
      const push: ResolvedPush = {
        registry,
        ...(pushTags === undefined ? {} : { pushTags }),
        ...(credentials === undefined ? {} : { credentials }),
        ...(build.dockerConfig === undefined ? {} : { dockerConfig: build.dockerConfig }),
      };
      return { build: resolved, push };
    },
  ),
);

/** Validates input against a schema, throwing a {@link ConfigError} with every issue. @internal */
export function parseOptions<S extends v.GenericSchema>(schema: S, input: unknown, subject: string): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issues: ConfigIssue[] = result.issues.map(toConfigIssue);
  throw new ConfigError(issues, { subject });
}
