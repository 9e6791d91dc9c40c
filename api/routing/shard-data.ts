// How a shard's JSON text is stored in its ConfigMap: gzip'd, in binaryData. Every edit to a
// number rewrites its whole shard and every worker reads it again, and kube-apiserver's cost per
// ConfigMap write grows with its bytes (it parses the apply body as YAML, where a long string is
// one token copied several times, keeps it in its watch cache and sends it to every watcher).
// Number tables gzip to about a fifth. The manifest's sha256 is over the JSON text, so the
// encoding is not part of a generation's identity.
//
// A shard written as plain text in data["shard.json"] (by hand, or by an operator from before the
// encoding) still reads; binaryData wins when an object has both.
import { gunzipSync, gzipSync } from 'node:zlib';
import { shardKey } from './schema.ts';

export const shardGzipKey = `${shardKey}.gz`;

/**
 * What a shard may unzip to. The operator keeps a shard's JSON near 24 KiB, and even past its
 * shard-count cap a ConfigMap's 1 MiB does not hold much more than this gzip'd; the bound keeps a
 * damaged or hostile value from taking a worker's memory.
 */
const MAX_SHARD_TEXT_BYTES = 32 * 2 ** 20;

/** A ConfigMap's payload fields as the API returns them: binaryData values are base64. */
export interface ShardPayload {
  data?: Record<string, string> | undefined;
  binaryData?: Record<string, string> | undefined;
}

/** The binaryData of a shard's ConfigMap. Equal texts give equal bytes (gzip's header carries no time), so a steady state stays unwritten. */
export function shardBinaryData(text: string): Record<string, string> {
  return { [shardGzipKey]: gzipSync(text).toString('base64') };
}

export class ShardEncodingError extends Error {
  override readonly name = 'ShardEncodingError';
}

/** base64 of gzip'd text, unzipped; throws (zlib's error) when it is not gzip or unzips to more than MAX_SHARD_TEXT_BYTES. */
export function unzipBase64(packed: string): string {
  return gunzipSync(Buffer.from(packed, 'base64'), { maxOutputLength: MAX_SHARD_TEXT_BYTES }).toString('utf8');
}

/**
 * The shard's JSON text, or undefined when the object holds none. A binaryData value that is not
 * gzip, or unzips to more than MAX_SHARD_TEXT_BYTES, throws ShardEncodingError.
 */
export function shardText(payload: ShardPayload): string | undefined {
  const packed = payload.binaryData?.[shardGzipKey];
  if (packed === undefined) return payload.data?.[shardKey];
  try {
    return unzipBase64(packed);
  } catch (error) {
    throw new ShardEncodingError(`binaryData["${shardGzipKey}"] does not unzip: ${(error as Error).message}`);
  }
}
