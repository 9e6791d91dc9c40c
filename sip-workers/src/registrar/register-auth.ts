// Who may change a SipDomain user's bindings: only that user, proven by digest against the HA1 the
// operator published for the domain. An ACL never stands in for digest here: it admits a PBX's
// calls, it does not say which user's phone is registering. With aclAndDigest the source must
// also be in the ACL, as for calls.
import type { DigestAuthenticator } from '../auth/digest-authenticator.ts';
import type { SipDomainRoute } from '../../../api/routing/schema.ts';
import { inAcl } from '../router/inbound/domain-admission.ts';
import type { RoutingView } from '../routing/routing-view.ts';
import { parseAuthHeader } from '../sip/digest.ts';
import { headerValues } from '../sip/message.ts';
import type { SipRequest } from '../sip/message.ts';
import type { MessageSource } from '../sip/transport.ts';
import { refuse } from './registrar-answer.ts';
import type { RegistrarAnswer } from './registrar-answer.ts';

/** The authenticated username, or the answer that ends the REGISTER (401 challenge, 403). */
export function authenticateRegister(
  request: SipRequest, source: MessageSource, domain: SipDomainRoute, view: RoutingView, authenticator: DigestAuthenticator,
): { username: string } | RegistrarAnswer {
  if (domain.authentication === 'aclAndDigest' && !inAcl(domain, source.address)) {
    return refuse(403, 'Forbidden - Source Not In ACL', `${source.address} is not in the ACL of SIP domain ${domain.domain}, which requires ACL and digest authentication`);
  }
  if (domain.usernames.length === 0) return refuse(403, 'Forbidden - Domain Has No Credentials', `SIP domain ${domain.domain} has no digest credentials, so no one can register`);
  const challenge = (stale: boolean): RegistrarAnswer => ({
    status: 401,
    headers: [{ name: 'WWW-Authenticate', value: authenticator.challenge(domain.domain, { stale }) }],
    detail: stale ? 'nonce expired; challenged again with stale=TRUE' : 'challenged for digest credentials',
  });
  // A phone may carry credentials for other realms (an outbound proxy's): only ours count.
  const realm = domain.domain.toLowerCase();
  const authorization = headerValues(request, 'Authorization').find((value) => {
    const parsed = parseAuthHeader(value);
    return parsed.ok && parsed.value.params.get('realm')?.toLowerCase() === realm;
  });
  if (authorization === undefined) return challenge(false);
  const verdict = authenticator.verify(
    { method: request.method, uri: request.uri, authorization },
    (username) => view.sipDomainCredential(domain.domain, username),
    domain.domain,
  );
  if (verdict.ok) return { username: verdict.username };
  if (verdict.stale === true) return challenge(true);
  return { ...refuse(403, 'Forbidden - Authentication Failed', `digest authentication for SIP domain ${domain.domain} failed: ${verdict.reason}`), digestFailure: verdict.reason };
}
