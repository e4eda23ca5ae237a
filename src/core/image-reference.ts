import type { ParseResult } from './command.js';

/** An image reference taken apart: `[registry/]repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry host (and port), when the reference names one: `registry.example.com:5000`, `localhost`. */
  readonly registry?: string;
  /** Repository path: `library/python` is written `python`; kept as written. */
  readonly repository: string;
  /** Tag, when given: `3.12-slim`. */
  readonly tag?: string;
  /** Content digest, when given: `sha256:...`. */
  readonly digest?: string;
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/**
 * Parses an image reference with the grammar the engine uses (distribution's reference format):
 * lower-case repository path components, an optional registry (a first component with a `.` or
 * `:`, or `localhost`), a tag of up to 128 word characters, dots and dashes, a digest
 * `algorithm:hex`. Pure; never throws.
 * @example parseImageReference('localhost:5000/etl/job:1.4') // registry 'localhost:5000', repository 'etl/job', tag '1.4'
 */
export function parseImageReference(reference: string): ParseResult<ImageReference> {
  const expected = '[registry/]repository[:tag][@digest], e.g. python:3.12-slim or registry.example.com:5000/etl/job@sha256:<hex>';
  if (reference === '') return { ok: false, message: 'is empty', expected };
  if (/\s/.test(reference)) return { ok: false, message: 'has a blank in it', expected };
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { ok: false, message: `has an invalid digest "${digest}"`, expected: 'a digest such as sha256:<64 hex digits>' };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { ok: false, message: `has an invalid tag "${tag}"`, expected: 'a tag of letters, digits, _, . and - (at most 128, not starting with . or -)' };
  }
  let registry: string | undefined;
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  if (slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    registry = first;
    rest = rest.slice(slash + 1);
    if (!DOMAIN.test(registry)) return { ok: false, message: `has an invalid registry "${registry}"`, expected: 'a registry host such as registry.example.com:5000' };
  }
  if (rest === '') return { ok: false, message: 'has no repository name', expected };
  if (rest !== rest.toLowerCase()) return { ok: false, message: `has upper-case letters in its repository "${rest}"`, expected: 'a lower-case repository name (docker refuses others)' };
  if (!rest.split('/').every((c) => PATH_COMPONENT.test(c))) {
    return { ok: false, message: `has an invalid repository name "${rest}"`, expected: 'path components of lower-case letters and digits, separated by ., _, __ or -' };
  }
  if ((registry === undefined ? rest.length : registry.length + 1 + rest.length) > 255) return { ok: false, message: 'is longer than 255 characters', expected };
  return {
    ok: true,
    value: { ...(registry === undefined ? {} : { registry }), repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) },
  };
}
