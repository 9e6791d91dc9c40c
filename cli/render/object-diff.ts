// Differences between what the cluster holds and what the operator would write, as one line per
// changed leaf: a path a human can follow (JSON held in strings is followed into, like the
// manifest's, and so is gzip'd JSON in base64, like a shard's; conditions and named list items are
// addressed by type or name) and the value before and after.
import { unzipBase64 } from '../../api/routing/shard-data.ts';

export interface Difference {
  path: string;
  /** Absent: the field would be added. */
  before?: unknown;
  /** Absent: the field would be removed. */
  after?: unknown;
}

/**
 * "subset": only fields the desired side sets are compared (the API server defaults others and
 * other field managers own theirs). "exact": both sides entirely (data, statuses).
 */
export type Comparison = 'subset' | 'exact';

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const keyPath = (path: string, key: string) => (identifier.test(key) ? `${path}${path ? '.' : ''}${key}` : `${path}[${JSON.stringify(key)}]`);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** base64 of gzip's magic bytes and deflate method (1f 8b 08): how a shard's binaryData starts. */
const gzipBase64 = /^H4sI/;

/** The JSON a string holds, also gzip'd in base64 as a shard's binaryData holds it; undefined for anything else. */
function parsedJson(value: string): unknown {
  let text = value;
  try {
    if (gzipBase64.test(value)) text = unzipBase64(value);
    if (!/^\s*[[{]/.test(text)) return undefined;
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Lists whose items all carry a `type` or a `name` are compared item by item under that key. */
function itemKey(items: unknown[]): 'type' | 'name' | undefined {
  for (const key of ['type', 'name'] as const) {
    if (items.length > 0 && items.every((item) => isRecord(item) && typeof item[key] === 'string')) return key;
  }
  return undefined;
}

function listDifferences(before: unknown[], after: unknown[], mode: Comparison, path: string): Difference[] {
  const key = itemKey([...before, ...after]);
  if (!key) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => differences(before[i], after[i], mode, `${path}[${i}]`)).flat();
  }
  const keyed = (items: unknown[]) => new Map(items.map((item) => [String((item as Record<string, unknown>)[key]), item]));
  const [left, right] = [keyed(before), keyed(after)];
  const names = [...new Set([...right.keys(), ...(mode === 'exact' ? left.keys() : [])])];
  return names.flatMap((name) => differences(left.get(name), right.get(name), mode, `${path}[${key}=${name}]`));
}

export function differences(before: unknown, after: unknown, mode: Comparison, path = ''): Difference[] {
  if (after === undefined) return before === undefined || mode === 'subset' ? [] : [{ path, before }];
  if (before === undefined) return [{ path, after }];
  if (typeof before === 'string' && typeof after === 'string' && before !== after) {
    const [parsedBefore, parsedAfter] = [parsedJson(before), parsedJson(after)];
    if (parsedBefore !== undefined && parsedAfter !== undefined) return differences(parsedBefore, parsedAfter, 'exact', path);
  }
  if (Array.isArray(before) && Array.isArray(after)) return listDifferences(before, after, mode, path);
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(after), ...(mode === 'exact' ? Object.keys(before) : [])]);
    return [...keys].flatMap((key) => differences(before[key], after[key], mode, keyPath(path, key)));
  }
  return before === after ? [] : [{ path, before, after }];
}

const shown = (value: unknown, redact: boolean) => {
  if (redact) return '<redacted>';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

/** "path: before → after", "path: + after" or "path: - before"; Secret values as <redacted>. */
export function formatDifference(difference: Difference, redact = false): string {
  const { path } = difference;
  const where = path === '' ? '(whole value)' : path;
  if (!('before' in difference)) return `${where}: + ${shown(difference.after, redact)}`;
  if (!('after' in difference)) return `${where}: - ${shown(difference.before, redact)}`;
  return `${where}: ${shown(difference.before, redact)} → ${shown(difference.after, redact)}`;
}
