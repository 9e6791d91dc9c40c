// Render shows Secrets without their values: an auth token or a password in a terminal, a CI log
// or a pull request is a leaked one. A redacted value still tells values apart by a short hash.
import { createHash } from 'node:crypto';

export const redacted = (value: string) => {
  const bytes = Buffer.from(value, 'base64');
  return `<redacted: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}>`;
};

/** A Secret with every data value redacted; any other object as it is. */
export function withoutSecretValues<T extends { kind: string }>(object: T): T {
  if (object.kind !== 'Secret') return object;
  const data = (object as { data?: Record<string, string> }).data ?? {};
  return { ...object, data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, redacted(value)])) };
}

/** A Secret's data decoded (for diffing by content: secrets.json is JSON once decoded). */
export const decodedData = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
