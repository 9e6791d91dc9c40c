// What a carrier's event receiver checks, as one written for Somleng's webhooks would: the bearer
// token's HS256 signature with the signing secret, and the JSON:API event it carries.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The claims of an HS256 JWT whose signature `secret` makes, or the reason it is not one. */
export function verifiedClaims(token: string, secret: string): Record<string, unknown> | string {
  const [header, claims, signature, ...rest] = token.split('.');
  if (header === undefined || claims === undefined || signature === undefined || rest.length > 0) return 'not a compact JWS';
  const alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg;
  if (alg !== 'HS256') return `alg ${alg}`;
  const expected = createHmac('sha256', secret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
  return JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<string, unknown>;
}

export interface PhoneCallAttributes {
  to: string; from: string; direction: string; status: string; duration: number; sip_response_code: number;
  inbound_trunk?: string; callee?: Record<string, string>; party?: Record<string, string>; hangup_by?: string;
  started_at: string; answered_at?: string; ended_at: string;
}
export interface EventBody {
  data: {
    id: string; type: string;
    attributes: { type: string; details: { data: { id: string; type: string; attributes: PhoneCallAttributes; relationships: { account: { data: { id: string; type: string } } } } } };
  };
}

/** The bearer token of a request's Authorization header ('' without one). */
export const bearerToken = (authorization: string | undefined) => /^Bearer (\S+)$/.exec(authorization ?? '')?.[1] ?? '';
