// Answering an outbound trunk's 401/407 (RFC 2617 §3.2.2, RFC 3261 §22.2-22.3) from the stored
// HA1 alone: the worker never holds the password, so anything HA1 cannot answer is refused with
// an error value that names why.
import { randomBytes } from 'node:crypto';
import type { DigestCredential } from '../../../api/routing/schema.ts';
import { authHeaders, formatAuthHeader } from '../sip/digest.ts';
import type { AuthHeader } from '../sip/digest.ts';
import type { HeaderField } from '../sip/message.ts';
import { formatUri } from '../sip/uri.ts';
import type { Uri } from '../sip/uri.ts';
import { digestResponse } from './digest-response.ts';

export type ChallengeHeaderName = 'WWW-Authenticate' | 'Proxy-Authenticate';
export type CredentialsHeaderName = 'Authorization' | 'Proxy-Authorization';

export interface DigestAnswerInput {
  challenge: AuthHeader;
  /** Where the challenge came from: a 407's Proxy-Authenticate is answered in Proxy-Authorization. Default WWW-Authenticate. */
  challengeHeader?: ChallengeHeaderName;
  method: string;
  /** The Request-URI of the request being authorised. */
  uri: Uri | string;
  credential: DigestCredential;
  /** Random by default; fixed in tests. */
  cnonce?: string;
  /** Nonce-count of this use of the nonce; default 1, since every challenge brings a fresh nonce. */
  nc?: number;
}

export type DigestAnswer = { ok: true; name: CredentialsHeaderName; value: string } | { ok: false; error: string };

const refuse = (error: string): DigestAnswer => ({ ok: false, error });

/** MD5 and MD5-sess need only HA1 (HA1-sess = MD5(HA1:nonce:cnonce)); SHA-256 and the rest would need the password. */
function sessionKeyed(algorithm: string | undefined): boolean | undefined {
  const name = (algorithm ?? 'MD5').toUpperCase();
  if (name === 'MD5') return false;
  if (name === 'MD5-SESS') return true;
  return undefined;
}

/** Whether qop=auth is offered; undefined when a qop list is offered without auth (auth-int only). */
function offersAuth(qop: string | undefined): boolean | undefined {
  if (qop === undefined) return false;
  return qop.split(',').some((option) => option.trim().toLowerCase() === 'auth') ? true : undefined;
}

export function authorizationFor(input: DigestAnswerInput): DigestAnswer {
  const { challenge, credential } = input;
  if (challenge.scheme.toLowerCase() !== 'digest') return refuse(`cannot answer a ${challenge.scheme} challenge`);
  const realm = challenge.params.get('realm');
  const nonce = challenge.params.get('nonce');
  if (realm === undefined || !nonce) return refuse('challenge without realm or nonce');
  if (realm !== credential.realm) {
    return refuse(`challenge realm "${realm}" differs from the credential's realm "${credential.realm}", for which its HA1 was computed`);
  }
  const algorithm = challenge.params.get('algorithm');
  const session = sessionKeyed(algorithm);
  if (session === undefined) return refuse(`digest algorithm ${algorithm ?? ''} cannot be answered from an MD5 HA1`);
  const qop = offersAuth(challenge.params.get('qop'));
  if (qop === undefined) return refuse(`qop "${challenge.params.get('qop') ?? ''}" offers no "auth"`);

  const uri = typeof input.uri === 'string' ? input.uri : formatUri(input.uri);
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  const response = digestResponse({
    ha1: credential.ha1, sessionKeyed: session, nonce, method: input.method, uri,
    ...(qop ? { qop: { nc, cnonce } } : { cnonce }),
  });

  const params = new Map<string, string>([
    ['username', credential.username], ['realm', realm], ['nonce', nonce], ['uri', uri], ['response', response],
  ]);
  if (algorithm !== undefined) params.set('algorithm', algorithm);
  if (qop || session) params.set('cnonce', cnonce);
  const opaque = challenge.params.get('opaque');
  if (opaque !== undefined) params.set('opaque', opaque);
  if (qop) {
    params.set('qop', 'auth');
    params.set('nc', nc);
  }
  const name = input.challengeHeader === 'Proxy-Authenticate' ? 'Proxy-Authorization' : 'Authorization';
  return { ok: true, name, value: formatAuthHeader({ scheme: 'Digest', params }) };
}

/**
 * The challenge of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) we can answer: the first
 * Digest challenge whose algorithm HA1 serves, since a trunk may offer SHA-256 first (RFC 8760).
 */
export function digestChallengeOf(response: { status: number; headers: readonly HeaderField[] }):
  { challengeHeader: ChallengeHeaderName; challenge: AuthHeader } | undefined {
  const challengeHeader = response.status === 407 ? 'Proxy-Authenticate' : response.status === 401 ? 'WWW-Authenticate' : undefined;
  if (challengeHeader === undefined) return undefined;
  const challenge = authHeaders(response, challengeHeader).find(
    (header) => header.scheme.toLowerCase() === 'digest' && sessionKeyed(header.params.get('algorithm')) !== undefined,
  );
  return challenge ? { challengeHeader, challenge } : undefined;
}
