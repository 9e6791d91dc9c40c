// Reads a compact JWS the way a gateway does, independently of the push service's own signing
// code: header and claims decoded, the signature checked against the public key (ES256 as the
// raw 64-byte r||s pair JWS requires, RS256 as PKCS#1 v1.5).
import { verify, type KeyObject } from 'node:crypto';

export interface SignedToken {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signatureValid: boolean;
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function readSignedToken(jwt: string, alg: 'ES256' | 'RS256', publicKey: KeyObject): SignedToken | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) return undefined;
  const [encodedHeader = '', encodedClaims = '', encodedSignature = ''] = parts;
  const header = decodePart(encodedHeader);
  const claims = decodePart(encodedClaims);
  if (!header || !claims) return undefined;
  const signature = Buffer.from(encodedSignature, 'base64url');
  const signed = Buffer.from(`${encodedHeader}.${encodedClaims}`);
  const signatureValid = header.alg === alg && (alg === 'ES256'
    ? signature.length === 64 && verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)
    : verify('sha256', signed, publicKey, signature));
  return { header, claims, signatureValid };
}
