import { describe, expectTypeOf, it } from 'vitest';
import * as v from 'valibot';
import type { EntriesInput, EntriesOutput } from '../../src/core/schema-types.js';
import { JobConfigSchema, type JobConfig, type ResolvedJob } from '../../src/core/job-config.js';
import type { ImageManifest } from '../../src/image/image-manifest.js';
import { ImageManifestSchema } from '../../src/image/image-manifest.js';

// Every kind of entry valibot treats differently on input or output.
const entries = {
  required: v.string(),
  transformed: v.pipe(v.string(), v.transform((s) => s.length)),
  optional: v.optional(v.number()),
  defaulted: v.optional(v.array(v.string()), []),
  exact: v.exactOptional(v.boolean()),
  exactDefaulted: v.exactOptional(v.boolean(), false),
  nullish: v.nullish(v.string()),
  nullishDefaulted: v.nullish(v.string(), 'x'),
  fallback: v.fallback(v.string(), 'y'),
};

/** One object type with the same properties, modifiers kept: an intersection or an interface compares equal to a plain object type. */
type Flat<T> = { [K in keyof T]: T[K] };

describe('EntriesInput and EntriesOutput', () => {
  it('infer what valibot infers for an object schema, every kind of entry', () => {
    expectTypeOf<Flat<EntriesInput<typeof entries>>>().toEqualTypeOf<Flat<v.InferInput<v.ObjectSchema<typeof entries, undefined>>>>();
    expectTypeOf<Flat<EntriesOutput<typeof entries>>>().toEqualTypeOf<Flat<v.InferOutput<v.ObjectSchema<typeof entries, undefined>>>>();
  });

  it('give JobConfig, ResolvedJob and ImageManifest the types their schemas infer', () => {
    expectTypeOf<Flat<JobConfig>>().toEqualTypeOf<Flat<v.InferInput<typeof JobConfigSchema>>>();
    expectTypeOf<Flat<ResolvedJob>>().toEqualTypeOf<Flat<v.InferOutput<(typeof JobConfigSchema)['pipe'][0]>>>();
    expectTypeOf<Flat<ImageManifest>>().toEqualTypeOf<Flat<v.InferOutput<typeof ImageManifestSchema>>>();
  });
});
