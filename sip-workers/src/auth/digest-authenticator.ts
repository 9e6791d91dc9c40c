// Server-side digest authentication (RFC 2617, RFC 3261 §22; qop=auth, MD5). It returns verdicts,
// not SIP responses: how many failures earn a 403 is the router's policy.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { DigestCredential } from '../../../api/routing/schema.ts';
import { formatAuthHeader } from '../sip/digest.ts';
import type { Uri } from '../sip/uri.ts';
import { parseDigestAuthorization } from './digest-authorization.ts';
import { issueNonce, nonceIssuedAt } from './digest-nonce.ts';
import { digestResponse } from './digest-response.ts';
import { digestUriMatches } from './digest-uri.ts';
import { NonceCounts } from './nonce-counts.ts';

export type DigestFailure =
  | 'missing' | 'malformed' | 'unknown-user' | 'wrong-realm' | 'stale-nonce' | 'bad-nonce' | 'replay' | 'bad-response' | 'uri-mismatch';

/**
 * `username` is the credential's own username, also when the client authenticated as
 * `username@realm`. `stale: true` means the digest was right and only the nonce was not: challenge
 * again with stale=TRUE and the client retries without asking its user (RFC 2617 §3.2.1).
 */
export type DigestVerdict = { ok: true; username: string } | { ok: false; reason: DigestFailure; stale?: boolean };

export interface DigestRequest {
  method: string;
  /** The Request-URI, which the uri directive must designate. */
  uri: Uri;
  /** The Authorization (or Proxy-Authorization) header value, undefined when the request has none. */
  authorization: string | undefined;
}

export type CredentialLookup = (username: string) => DigestCredential | undefined;

export interface DigestAuthenticatorOptions {
  /** HMAC key sealing nonces; replicas behind one load balancer share it. Random per process by default. */
  secret?: Uint8Array;
  /** Default 300. */
  nonceLifetimeSeconds?: number;
  /** Nonces whose counts are remembered for replay protection. Default 65,536. */
  maxTrackedNonces?: number;
  /** Milliseconds, like Date.now. */
  now?: () => number;
}

const MIN_SECRET_BYTES = 16;

export class DigestAuthenticator {
  readonly #secret: Uint8Array;
  readonly #lifetimeMs: number;
  readonly #now: () => number;
  readonly #counts: NonceCounts;

  constructor(options: DigestAuthenticatorOptions = {}) {
    this.#secret = options.secret ?? randomBytes(32);
    if (this.#secret.length < MIN_SECRET_BYTES) throw new Error(`digest nonce secret must have at least ${MIN_SECRET_BYTES} bytes`);
    this.#lifetimeMs = (options.nonceLifetimeSeconds ?? 300) * 1000;
    this.#now = options.now ?? Date.now;
    this.#counts = new NonceCounts({ capacity: options.maxTrackedNonces ?? 65_536, lifetimeMs: this.#lifetimeMs });
  }

  /** A WWW-Authenticate or Proxy-Authenticate value (the caller picks the header for its 401 or 407). */
  challenge(realm: string, options: { stale?: boolean; opaque?: string } = {}): string {
    const params = new Map<string, string>([['realm', realm], ['nonce', issueNonce(this.#secret, realm, this.#now())]]);
    if (options.opaque !== undefined) params.set('opaque', options.opaque);
    if (options.stale === true) params.set('stale', 'TRUE');
    params.set('algorithm', 'MD5');
    params.set('qop', 'auth');
    return formatAuthHeader({ scheme: 'Digest', params }, { quoteQop: true });
  }

  verify(request: DigestRequest, lookupCredential: CredentialLookup, realm: string): DigestVerdict {
    if (request.authorization === undefined || request.authorization.trim() === '') return { ok: false, reason: 'missing' };
    const authorization = parseDigestAuthorization(request.authorization);
    // We challenge with MD5 only, so any other algorithm is not an answer to our challenge.
    if (!authorization || authorization.algorithm.toUpperCase() !== 'MD5') return { ok: false, reason: 'malformed' };
    if (authorization.realm !== realm) return { ok: false, reason: 'wrong-realm' };
    if (!digestUriMatches(authorization.uri, request.uri)) return { ok: false, reason: 'uri-mismatch' };
    const issuedAt = nonceIssuedAt(this.#secret, realm, authorization.nonce);
    if (issuedAt === undefined) return { ok: false, reason: 'bad-nonce' };
    const key = storedKey(authorization.username, lookupCredential, realm);
    if (!key) return { ok: false, reason: 'unknown-user' };

    const expected = digestResponse({
      ha1: key.ha1, sessionKeyed: false, nonce: authorization.nonce, method: request.method, uri: authorization.uri,
      ...(authorization.qop ? { qop: { nc: authorization.qop.nc, cnonce: authorization.qop.cnonce } } : {}),
    });
    if (!sameDigest(expected, authorization.response)) return { ok: false, reason: 'bad-response' };

    // Checked only after the digest: RFC 2617 allows stale=TRUE only for a correct digest on an old nonce.
    const now = this.#now();
    if (issuedAt + this.#lifetimeMs < now) return { ok: false, reason: 'stale-nonce', stale: true };
    const use = this.#counts.use(authorization.nonce, issuedAt, authorization.qop?.count, now);
    // A replayed request cannot answer a fresh nonce, and an RFC 2069 client reusing its nonce can:
    // stale lets that honest client retry quietly without helping anyone who only captured a request.
    if (use === 'replay') return { ok: false, reason: 'replay', stale: true };
    if (use === 'forgotten') return { ok: false, reason: 'stale-nonce', stale: true };
    return { ok: true, username: key.username };
  }
}

/**
 * The HA1 that answers for this username. Hash1b exists for clients configured with the realm
 * inside their username (`bob@realm`, which some UAs and the Bandwidth/Twilio network bridge
 * send): such a client computes HA1 over the username it sends, MD5(bob@realm:realm:password),
 * which no server can derive from Hash1 without the password. So when `bob@realm` is not itself
 * a known user but `bob` is, the response must be checked against bob's HA1b. An exact username
 * always wins, so a composite username whose domain happens to be the realm keeps its own HA1.
 */
function storedKey(username: string, lookup: CredentialLookup, realm: string): { username: string; ha1: string } | undefined {
  const exact = lookup(username);
  if (exact) return exact.realm === realm ? { username: exact.username, ha1: exact.ha1 } : undefined;
  const suffix = `@${realm}`;
  if (!username.endsWith(suffix) || username.length === suffix.length) return undefined;
  const base = lookup(username.slice(0, -suffix.length));
  return base && base.realm === realm ? { username: base.username, ha1: base.ha1b } : undefined;
}

function sameDigest(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  // Both are 32 hex digits once parsed; the length check only guards timingSafeEqual.
  return a.length === b.length && timingSafeEqual(a, b);
}
