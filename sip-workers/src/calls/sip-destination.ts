// Where a callee is sent: the server RFC 3263 locates for a SIP URI from TwiML (its host or
// maddr, its port and its transport, over UDP unless the URI asks for TCP or TLS or DNS says so; a
// sips: URI over TLS only, as §26.2.2 forbids downgrading it), or for an outbound trunk.
import type { OutboundTrunkRoute } from '../../../api/routing/schema.ts';
import type { ServerToLocate } from '../sip/server-locator.ts';
import { transportOfUri } from '../sip/response-routing.ts';
import type { SipUri } from '../sip/uri.ts';
import { socketHost } from '../sip/uri.ts';

/** undefined when the URI names a transport we do not speak, or UDP for a sips: URI. */
export function sipServerOf(uri: SipUri): ServerToLocate | undefined {
  const named = uri.params.get('transport')?.toLowerCase();
  if (named !== undefined && named !== 'udp' && named !== 'tcp' && named !== 'tls') return undefined;
  if (uri.scheme === 'sips' && named === 'udp') return undefined;
  const transport = transportOfUri(uri);
  const maddr = uri.params.get('maddr');
  return {
    host: socketHost(maddr ?? uri.host),
    ...(uri.port === undefined ? {} : { port: uri.port }),
    ...(transport === undefined ? {} : { transport }),
    secure: uri.scheme === 'sips',
  };
}

/** A trunk's host, at its port when it names one (else located by SRV), over its transport. */
export function trunkServerOf(trunk: Pick<OutboundTrunkRoute, 'host' | 'port' | 'transport'>): ServerToLocate {
  return { host: trunk.host, ...(trunk.port === undefined ? {} : { port: trunk.port }), transport: trunk.transport, secure: trunk.transport === 'tls' };
}
