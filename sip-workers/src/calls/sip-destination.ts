// Where a SIP URI from TwiML is sent: its host and port (RFC 3263's DNS SRV/NAPTR steps are not
// implemented; names resolve through the OS), over UDP unless it asks for TCP or TLS. A sips: URI
// goes over TLS only (§26.2.2 forbids downgrading it), to 5061 unless it names a port.
import { defaultPort, transportOfUri } from '../sip/response-routing.ts';
import type { Destination, TransportKind } from '../sip/transport.ts';
import type { SipUri } from '../sip/uri.ts';
import { socketHost } from '../sip/uri.ts';

export function sipDestination(uri: SipUri): Destination | undefined {
  const named = uri.params.get('transport')?.toLowerCase();
  if (named !== undefined && named !== 'udp' && named !== 'tcp' && named !== 'tls') return undefined;
  if (uri.scheme === 'sips' && named === 'udp') return undefined;
  const transport: TransportKind = transportOfUri(uri) ?? 'udp';
  const maddr = uri.params.get('maddr');
  return { address: socketHost(maddr ?? uri.host), port: uri.port ?? defaultPort(transport), transport };
}
