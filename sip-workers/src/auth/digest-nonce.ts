// Self-validating nonces: the issue time and a random part, sealed with an HMAC over them and the
// realm. Any replica holding the same key can check a nonce another one issued, with no shared
// store, and a nonce issued for one realm is worthless in another.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TIME_BYTES = 8;
const RANDOM_BYTES = 8;
const MAC_BYTES = 16;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;

function seal(key: Uint8Array, realm: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(body).update(realm, 'utf8').digest().subarray(0, MAC_BYTES);
}

export function issueNonce(key: Uint8Array, realm: string, issuedAtMs: number): string {
  const body = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
  body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(issuedAtMs))));
  // The random part keeps two nonces issued in the same millisecond apart, so their nonce-counts do not collide.
  randomBytes(RANDOM_BYTES).copy(body, TIME_BYTES);
  return Buffer.concat([body, seal(key, realm, body)]).toString('base64url');
}

/** The issue time of a nonce this key sealed for this realm, or undefined for anything else. */
export function nonceIssuedAt(key: Uint8Array, realm: string, nonce: string): number | undefined {
  const bytes = Buffer.from(nonce, 'base64url');
  // Buffer.from skips characters outside the alphabet; re-encoding catches nonces that were padded with them.
  if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) return undefined;
  const body = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES);
  if (!timingSafeEqual(bytes.subarray(TIME_BYTES + RANDOM_BYTES), seal(key, realm, body))) return undefined;
  return Number(body.readBigUInt64BE());
}
