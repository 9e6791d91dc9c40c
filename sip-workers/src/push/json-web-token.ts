// Compact JWS (RFC 7515) as its receivers take it: APNs an ES256 provider token, Google's OAuth
// endpoint an RS256 assertion, a carrier's event webhook an HS256 token (as Somleng signs its
// carrier webhooks). ECDSA signatures go as the raw r||s pair JWS requires (ieee-p1363), not the
// DER node:crypto produces by default.
import { createHmac, sign, type KeyObject } from 'node:crypto';

export type JwtAlgorithm = 'ES256' | 'RS256' | 'HS256';

export function signJwt(alg: JwtAlgorithm, header: Record<string, string>, claims: Record<string, string | number>, key: KeyObject): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode({ alg, ...header })}.${encode(claims)}`;
  const signature = alg === 'HS256'
    ? createHmac('sha256', key).update(input).digest()
    : alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}
