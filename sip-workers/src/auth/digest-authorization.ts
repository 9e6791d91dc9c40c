// Reading the credentials of an Authorization or Proxy-Authorization header (RFC 2617 §3.2.2)
// into a typed value the authenticator can trust the shape of.
import { parseAuthHeader } from '../sip/digest.ts';

export interface DigestAuthorization {
  username: string;
  realm: string;
  nonce: string;
  /** The digest-uri as sent: the digest is computed over this exact text. */
  uri: string;
  /** 32 lower-case hex digits. */
  response: string;
  /** As the client named it; absent means MD5. */
  algorithm: string;
  /** Present when the client chose qop=auth. */
  qop?: { nc: string; count: number; cnonce: string };
  cnonce?: string;
  opaque?: string;
}

const NONCE_COUNT = /^[0-9A-Fa-f]{8}$/;
const DIGEST = /^[0-9A-Fa-f]{32}$/;

/** Undefined when the header is not Digest or misses what RFC 2617 requires. */
export function parseDigestAuthorization(value: string): DigestAuthorization | undefined {
  const parsed = parseAuthHeader(value);
  if (!parsed.ok || parsed.value.scheme.toLowerCase() !== 'digest') return undefined;
  const params = parsed.value.params;
  const username = params.get('username');
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  const uri = params.get('uri');
  const response = params.get('response');
  if (username === undefined || realm === undefined || !nonce || !uri || response === undefined) return undefined;
  if (!DIGEST.test(response)) return undefined;
  const authorization: DigestAuthorization = {
    username, realm, nonce, uri, response: response.toLowerCase(), algorithm: params.get('algorithm') ?? 'MD5',
  };
  const qop = params.get('qop');
  const cnonce = params.get('cnonce');
  if (qop !== undefined) {
    const nc = params.get('nc');
    if (qop.toLowerCase() !== 'auth' || nc === undefined || !NONCE_COUNT.test(nc) || !cnonce) return undefined;
    const count = parseInt(nc, 16);
    if (count === 0) return undefined;
    authorization.qop = { nc, count, cnonce };
  }
  if (cnonce !== undefined) authorization.cnonce = cnonce;
  const opaque = params.get('opaque');
  if (opaque !== undefined) authorization.opaque = opaque;
  return authorization;
}
