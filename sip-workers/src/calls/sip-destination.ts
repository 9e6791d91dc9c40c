// Where a SIP URI from TwiML is sent: its host and port (RFC 3263's DNS SRV/NAPTR steps are not
// implemented; names resolve through the OS), over UDP unless it asks for TCP.
import type { Destination } from '../sip/transport.ts';
import type { SipUri } from '../sip/uri.ts';
import { socketHost } from '../sip/uri.ts';

export function sipDestination(uri: SipUri): Destination | undefined {
  // TLS is not a transport of this worker yet, so sips: cannot be honoured (§26.2.2 forbids downgrading it).
  if (uri.scheme === 'sips') return undefined;
  const transport = uri.params.get('transport')?.toLowerCase();
  if (transport !== undefined && transport !== 'udp' && transport !== 'tcp') return undefined;
  const maddr = uri.params.get('maddr');
  return { address: socketHost(maddr ?? uri.host), port: uri.port ?? 5060, transport: transport === 'tcp' ? 'tcp' : 'udp' };
}
