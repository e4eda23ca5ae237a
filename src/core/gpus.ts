import type { ParseResult } from './command.js';

/**
 * A request for GPUs, as the engine's `DeviceRequests` carry it. Built from docker's `--gpus`
 * syntax by {@link parseGpuRequest}, or given as an object.
 */
export interface GpuRequest {
  /** Device driver; `''` lets the engine choose (docker's default). */
  readonly driver: string;
  /** How many GPUs; `-1` for all of them; `0` when `deviceIds` names them. */
  readonly count: number;
  /** Specific devices by index or UUID (`0`, `GPU-3a2...`); absent: any `count` devices. */
  readonly deviceIds?: string[];
  /** Capabilities every device must have; always includes `gpu`, as docker adds it. */
  readonly capabilities: string[];
  /** Driver-specific options. */
  readonly options: Readonly<Record<string, string>>;
}

const GPUS_FORMAT = 'docker --gpus syntax: all, a count, or fields such as device=0, count=2, driver=nvidia, "capabilities=compute,utility"';

/**
 * Parses one `docker run --gpus` value exactly as the docker CLI does: one CSV record (a field
 * holding commas is double-quoted, as in `"device=0,1"`) of fields `all` or a count alone, or
 * `count=`, `device=`, `driver=`, `capabilities=`, `options=`, each at most once. Without a count
 * and without devices the count is 1; `gpu` is always among the capabilities.
 *
 * Stricter than docker in one way: a negative count is refused. Pure; never throws.
 * @example parseGpuRequest('all') // { ok: true, value: { driver: '', count: -1, capabilities: ['gpu'], options: {} } }
 */
export function parseGpuRequest(text: string): ParseResult<GpuRequest> {
  const record = parseCsvRecord(text);
  if (!record.ok) return record;
  let driver = '';
  let count: number | undefined;
  let deviceIds: string[] | undefined;
  let capabilities: string[] | undefined;
  let options: Record<string, string> | undefined;
  const seen = new Set<string>();
  for (const field of record.value) {
    const eq = field.indexOf('=');
    const key = eq === -1 ? field : field.slice(0, eq);
    const value = field.slice(eq + 1);
    if (seen.has(key) || (eq === -1 && seen.has('count'))) return fail(`gives ${eq === -1 ? 'count' : key} twice`, 'each field at most once');
    seen.add(eq === -1 ? 'count' : key);
    if (eq === -1 || key === 'count') {
      const parsed = parseCount(eq === -1 ? key : value);
      if (!parsed.ok) return parsed;
      count = parsed.value;
    } else if (key === 'driver') driver = value;
    else if (key === 'device') deviceIds = value.split(',');
    else if (key === 'capabilities') capabilities = [...value.split(','), 'gpu'];
    else if (key === 'options') {
      const inner = parseCsvRecord(value);
      if (!inner.ok) return fail(`has options that cannot be read: ${inner.message}`, 'options="key=value,key=value"');
      options = Object.fromEntries(inner.value.map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] : [kv, ''])));
    } else return fail(`has an unknown field "${key}"`, 'fields count, device, driver, capabilities, options');
  }
  return {
    ok: true,
    value: {
      driver,
      count: count ?? (deviceIds === undefined ? 1 : 0),
      ...(deviceIds === undefined ? {} : { deviceIds }),
      capabilities: capabilities ?? ['gpu'],
      options: options ?? {},
    },
  };
}

/** Writes a {@link GpuRequest} in `--gpus` syntax; {@link parseGpuRequest} reads it back to the same request. Pure. */
export function formatGpuRequest(request: GpuRequest): string {
  const fields: string[] = [];
  if (request.deviceIds !== undefined) fields.push(`device=${request.deviceIds.join(',')}`);
  if (request.driver !== '') fields.push(`driver=${request.driver}`);
  const capabilities = request.capabilities.at(-1) === 'gpu' ? request.capabilities.slice(0, -1) : [...request.capabilities];
  if (capabilities.length > 0 || request.capabilities.length === 0) fields.push(`capabilities=${capabilities.join(',')}`);
  const options = Object.entries(request.options);
  if (options.length > 0) fields.push(`options=${formatCsvRecord(options.map(([k, v]) => `${k}=${v}`))}`);
  // The count goes first, bare (`all`, `2`), as people write it; it is left out when it is the default.
  const defaultCount = request.deviceIds === undefined ? 1 : 0;
  if (request.count !== defaultCount || fields.length === 0) fields.unshift(request.count === -1 ? 'all' : String(request.count));
  return formatCsvRecord(fields);
}

function parseCount(text: string): ParseResult<number> {
  if (text === 'all') return { ok: true, value: -1 };
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return fail(`has a count "${text}" that is neither "all" nor a whole number`, 'all, or a whole number such as 2');
  return { ok: true, value: Number(text) };
}

/** Reads one record of Go's encoding/csv (default settings), as the docker CLI reads `--gpus`. */
function parseCsvRecord(text: string): ParseResult<string[]> {
  if (text === '' || text === '\n' || text === '\r\n') return fail('is empty', GPUS_FORMAT);
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return fail('has an unterminated quote', `${GPUS_FORMAT}, with every quote closed`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') return fail('has text after a closing quote', `${GPUS_FORMAT}; a quote closes a whole field`);
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
        if (text[i] === '"') return fail('has a quote inside an unquoted field', `${GPUS_FORMAT}; quote whole fields: "device=0,1"`);
        field += text[i++];
      }
    }
    fields.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    return { ok: true, value: fields };
  }
}

function formatCsvRecord(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) || f === '' ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}

function fail(message: string, expected: string): { readonly ok: false; readonly message: string; readonly expected: string } {
  return { ok: false, message, expected };
}
