// Who may call into a SipDomain: its IP ACL, digest credentials, or both (Vonage Programmable
// SIP's model). The ACL is parsed once per routing generation, not per call.
import type { Prefix } from '../../../../api/routing/cidr.ts';
import { parseAddress, parsePrefix, prefixContains } from '../../../../api/routing/cidr.ts';
import type { SipDomainRoute } from '../../../../api/routing/schema.ts';
import type { Challenge, Rejection } from './inbound-decision.ts';
import { reject } from './inbound-decision.ts';
import type { DigestOutcome } from './inbound-request.ts';

const parsedAcls = new WeakMap<SipDomainRoute, Prefix[]>();

function aclOf(domain: SipDomainRoute): Prefix[] {
  let acl = parsedAcls.get(domain);
  if (!acl) {
    acl = domain.acl.map(parsePrefix).filter((prefix): prefix is Prefix => prefix !== undefined);
    parsedAcls.set(domain, acl);
  }
  return acl;
}

export function inAcl(domain: SipDomainRoute, sourceAddress: string): boolean {
  const address = parseAddress(sourceAddress);
  return address !== undefined && aclOf(domain).some((prefix) => prefixContains(prefix, address));
}

/** Admitted (with the authenticated username, if any), challenged, or refused. */
export function admitToDomain(domain: SipDomainRoute, sourceAddress: string, digest: DigestOutcome): { admitted: true; username?: string } | Challenge | Rejection {
  const listed = inAcl(domain, sourceAddress);
  const canDigest = domain.usernames.length > 0;
  if (domain.authentication === 'aclOrDigest' && listed) return { admitted: true };
  if (domain.authentication === 'aclAndDigest' && !listed) {
    return reject(403, 'Forbidden - Source Not In ACL', `${sourceAddress} is not in the ACL of SIP domain ${domain.domain}, which requires ACL and digest authentication`);
  }
  if (!canDigest) {
    return reject(403, 'Forbidden - Source Not In ACL', `${sourceAddress} is not in the ACL of SIP domain ${domain.domain}, which has no digest credentials`);
  }
  switch (digest.kind) {
    case 'ok':
      return { admitted: true, username: digest.username };
    case 'none':
      return { kind: 'challenge', realm: domain.domain, stale: false };
    case 'stale':
      return { kind: 'challenge', realm: domain.domain, stale: true };
    case 'failed':
      return reject(403, 'Forbidden - Authentication Failed', `digest authentication for SIP domain ${domain.domain} failed: ${digest.detail}`);
  }
}
