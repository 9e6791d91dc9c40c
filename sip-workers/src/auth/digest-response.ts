// The request-digest of RFC 2617 §3.2.2.1, shared by the side that answers challenges and the
// side that checks the answers. Both start from a stored HA1: passwords never reach a worker.
import { createHash } from 'node:crypto';

export const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

export interface DigestResponseInput {
  /** MD5(username:realm:password), as stored in WorkerSecrets. */
  ha1: string;
  /** MD5-sess keys the hash to this nonce and cnonce: HA1-sess = MD5(HA1:nonce:cnonce) (§3.2.2.2). */
  sessionKeyed: boolean;
  nonce: string;
  method: string;
  /** The digest-uri exactly as sent in the uri directive. */
  uri: string;
  /** Present when the client chose qop=auth; nc and cnonce then take part in the digest. */
  qop?: { nc: string; cnonce: string };
  /** MD5-sess needs a cnonce even without qop. */
  cnonce?: string;
}

export function digestResponse(input: DigestResponseInput): string {
  const ha1 = input.ha1.toLowerCase();
  const cnonce = input.qop?.cnonce ?? input.cnonce ?? '';
  const keyedHa1 = input.sessionKeyed ? md5Hex(`${ha1}:${input.nonce}:${cnonce}`) : ha1;
  const ha2 = md5Hex(`${input.method}:${input.uri}`);
  if (input.qop) return md5Hex(`${keyedHa1}:${input.nonce}:${input.qop.nc}:${input.qop.cnonce}:auth:${ha2}`);
  return md5Hex(`${keyedHa1}:${input.nonce}:${ha2}`);
}
