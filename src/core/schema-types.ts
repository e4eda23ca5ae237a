/**
 * The input and output types of a valibot object schema's entries, as valibot infers them, but
 * with each property declared once. valibot's own `InferInput` and `InferOutput` of an object
 * reach every property through two mapped types (`MarkOptional`), so each property carries its
 * declaration, and its doc comment, twice: TypeDoc then warns for every field wherever the type
 * appears. These split the keys with filtering `as` clauses, so each key comes from one mapped type
 * and keeps the one doc comment written on its entry. Types only; the schemas stay the single
 * source of truth (test/unit/schema-types.test.ts checks that both inferences agree).
 */
import type * as v from 'valibot';

/** An entry valibot treats as optional (its `OptionalEntrySchema`). */
type OptionalEntry = v.OptionalSchema<v.GenericSchema, unknown> | v.ExactOptionalSchema<v.GenericSchema, unknown> | v.NullishSchema<v.GenericSchema, unknown>;

/** Optional on input: any optional entry. */
type InputOptional<E> = E extends OptionalEntry ? true : false;

/** Optional on output: an optional entry without a default. */
type OutputOptional<E> = E extends OptionalEntry ? (undefined extends E['default'] ? true : false) : false;

/** The input type of an object schema's entries, each property declared once. @internal */
export type EntriesInput<T extends v.ObjectEntries> = {
  -readonly [K in keyof T as InputOptional<T[K]> extends true ? never : K]: v.InferInput<T[K]>;
} & {
  -readonly [K in keyof T as InputOptional<T[K]> extends true ? K : never]?: v.InferInput<T[K]>;
};

/** The output type of an object schema's entries, each property declared once. @internal */
export type EntriesOutput<T extends v.ObjectEntries> = {
  -readonly [K in keyof T as OutputOptional<T[K]> extends true ? never : K]: v.InferOutput<T[K]>;
} & {
  -readonly [K in keyof T as OutputOptional<T[K]> extends true ? K : never]?: v.InferOutput<T[K]>;
};
