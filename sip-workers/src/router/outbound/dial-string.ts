// The Request-URI a trunk receives: sip:<prefix><number>@<host>:<port>, with the number in the
// form the trunk's dialString asks for.
import { isIPv6 } from 'node:net';
import type { CarrierRoute, OutboundTrunkRoute } from '../../../../api/routing/schema.ts';
import type { SipUri } from '../../sip/uri.ts';

export type TrunkRequestUri = { ok: true; uri: SipUri } | { ok: false; reason: string };

const DIALABLE = /^(\+?)([0-9]{1,15})$/;

/**
 * The user part for `number` (E.164 with "+", or a short code dialled as it is). National
 * dialing applies to numbers of the carrier's own country: its calling code is replaced by the
 * trunk's national prefix (+85512345678 → 012345678).
 */
export function dialStringUser(number: string, dialString: OutboundTrunkRoute['dialString'], callingCode: string): string | undefined {
  const match = DIALABLE.exec(number);
  if (!match) return undefined;
  const plus = match[1] === '+';
  const digits = match[2] ?? '';
  if (!plus) return `${dialString.prefix}${digits}`;
  if (dialString.nationalDialing && callingCode !== '' && digits.startsWith(callingCode) && digits.length > callingCode.length) {
    return `${dialString.prefix}${dialString.nationalPrefix}${digits.slice(callingCode.length)}`;
  }
  return `${dialString.prefix}${dialString.plusPrefix ? '+' : ''}${digits}`;
}

export function trunkRequestUri(number: string, trunk: OutboundTrunkRoute, carrier: Pick<CarrierRoute, 'callingCode'>): TrunkRequestUri {
  const user = dialStringUser(number, trunk.dialString, carrier.callingCode);
  if (user === undefined) return { ok: false, reason: `"${number}" is neither an E.164 number nor a short code` };
  const params = new Map<string, string | null>();
  // sip: with transport=tls rather than sips:, as trunks expect; the hop is TLS either way (§26.2.2).
  if (trunk.transport !== 'udp') params.set('transport', trunk.transport);
  return {
    ok: true,
    uri: {
      kind: 'sip', scheme: 'sip', user,
      host: isIPv6(trunk.host) ? `[${trunk.host}]` : trunk.host,
      // A port only when the trunk names one: then there was no SRV lookup (RFC 3263 §4.2), and
      // without one the servers DNS located take the trunk's own name.
      ...(trunk.port === undefined ? {} : { port: trunk.port }),
      params, headers: [],
    },
  };
}
