// What call handling reads from one routing generation. The router depends on this interface
// only, so its tests build a table from plain shard objects and the worker swaps generations
// under it without the router noticing.
import type {
  AccountRoute, CarrierRoute, DigestCredential, InboundTrunkRoute, NumberRoute, OutboundTrunkRoute, SipDomainRoute,
} from '../../../api/routing/schema.ts';

export interface RoutingView {
  /** The manifest's generation this view was built from. */
  readonly generation: string;
  readonly carrier: CarrierRoute;
  /** The trunk whose source CIDRs contain the address (longest prefix wins), disabled trunks included. */
  inboundTrunkFor(address: string): InboundTrunkRoute | undefined;
  /** A normalised number (E.164 with "+", or a short code). */
  number(normalised: string): NumberRoute | undefined;
  /** By Account name. */
  account(name: string): AccountRoute | undefined;
  /** The Account with this SID (the REST API's Basic auth user), and its name. */
  accountBySid(accountSid: string): { name: string; route: AccountRoute } | undefined;
  /** The auth token that signs webhooks of the account with this SID. */
  authToken(accountSid: string): string | undefined;
  /** By the fully qualified domain of the Request-URI, case-insensitive. */
  sipDomain(fqdn: string): SipDomainRoute | undefined;
  /** The SIP domains of an Account, disabled ones included; one per domain name (the oldest wins). */
  sipDomainsOf(account: string): readonly SipDomainRoute[];
  sipDomainCredential(fqdn: string, username: string): DigestCredential | undefined;
  /**
   * Enabled trunks whose longest matching route prefix is the longest among all enabled trunks
   * for this number (a trunk without prefixes matches with length 0), in no particular order: the
   * router orders them by priority and weight. A disabled trunk never shadows a shorter prefix.
   */
  outboundTrunkCandidates(e164Digits: string): readonly OutboundTrunkRoute[];
  outboundTrunk(name: string): OutboundTrunkRoute | undefined;
  /** Every outbound trunk of the carrier, enabled or not (the health checks probe them). */
  outboundTrunks(): Iterable<OutboundTrunkRoute>;
  outboundTrunkCredential(name: string): DigestCredential | undefined;
  /** The carrier's webhook for call events with the secret its requests are signed with; absent when the Carrier sets none. */
  eventWebhook(): EventWebhook | undefined;
}

export interface EventWebhook {
  readonly url: string;
  readonly signingSecret: string;
}
