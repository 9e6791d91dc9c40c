// Where a SIP URI from TwiML is sent: the server RFC 3263 locates from its host (or maddr), its
// port and its transport, over UDP unless the URI asks for TCP or TLS (or DNS says so). A sips:
// URI goes over TLS only (§26.2.2 forbids downgrading it).
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
