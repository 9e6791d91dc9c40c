// Reads what the inbound router needs from an INVITE, and verifies the caller's digest
// credentials against the SIP domain its Request-URI names, so the router stays pure.
import type { DigestAuthenticator } from '../auth/digest-authenticator.ts';
import type { DigestOutcome, InboundRequest } from '../router/inbound/inbound-request.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { parseAuthHeader } from '../sip/digest.ts';
import { headerValues } from '../sip/message.ts';
import type { SipRequest } from '../sip/message.ts';
import { fromHeader } from '../sip/name-addr.ts';
import type { MessageSource } from '../sip/transport.ts';
import { formatUri } from '../sip/uri.ts';
import type { Uri } from '../sip/uri.ts';

function userOf(uri: Uri | undefined): string {
  if (!uri) return '';
  if (uri.kind === 'sip') return uri.user ?? '';
  if (uri.kind === 'tel') return uri.number;
  return '';
}

function verifyDigest(request: SipRequest, view: RoutingView, authenticator: DigestAuthenticator): DigestOutcome {
  if (request.uri.kind !== 'sip') return { kind: 'none' };
  const domain = view.sipDomain(request.uri.host.toLowerCase());
  if (!domain) return { kind: 'none' };
  // A phone may carry credentials for other realms (an outbound proxy's): only ours count.
  const authorization = headerValues(request, 'Authorization').find((value) => {
    const parsed = parseAuthHeader(value);
    return parsed.ok && parsed.value.params.get('realm')?.toLowerCase() === domain.domain.toLowerCase();
  });
  if (authorization === undefined) return { kind: 'none' };
  const result = authenticator.verify(
    { method: request.method, uri: request.uri, authorization },
    (username) => view.sipDomainCredential(domain.domain, username),
    domain.domain,
  );
  if (result.ok) return { kind: 'ok', username: result.username };
  if (result.stale) return { kind: 'stale' };
  return { kind: 'failed', detail: result.reason };
}

export function inboundRequestFacts(request: SipRequest, source: MessageSource, view: RoutingView, authenticator: DigestAuthenticator): InboundRequest {
  const from = fromHeader(request);
  return {
    sourceAddress: source.address,
    requestUser: userOf(request.uri),
    requestHost: request.uri.kind === 'sip' ? request.uri.host.toLowerCase() : '',
    fromUser: userOf(from?.uri),
    fromUri: from ? formatUri(from.uri) : '',
    digest: verifyDigest(request, view, authenticator),
  };
}
