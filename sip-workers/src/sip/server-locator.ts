// Locating a SIP server (RFC 3263 §4): which transport, address and port a request to a host
// name goes to, and which to try next when one fails (§4.3). A numeric port means the name's
// addresses at that port; without one, NAPTR (when no transport is named) and then SRV records
// say where the domain takes SIP, ordered by priority and weighted at random (RFC 2782), and the
// name's own addresses at 5060 (5061 for TLS) are the last resort. A sips: URI goes over TLS only.
// Over TLS the certificate must name the URI's domain, not the SRV target (RFC 5922 §4).
import { isIP } from 'node:net';
import { DEFAULT_SIP_PORT, DEFAULT_SIPS_PORT } from './response-routing.ts';
import type { Destination, TransportKind } from './response-routing.ts';
import type { NaptrRecord, SipDns, SrvRecord } from './sip-dns.ts';

export interface ServerToLocate {
  /** Host name or IP address, without IPv6 brackets. */
  host: string;
  port?: number;
  /** The URI's transport parameter (TLS for a sips: URI). */
  transport?: TransportKind;
  secure: boolean;
}

export type Located = { ok: true; destinations: Destination[] } | { ok: false; reason: string };

/** Enough to fail over across a couple of servers with two addresses each, never a long tail of attempts. */
export const maxDestinations = 8;

const naptrServices: Record<string, TransportKind> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
const srvPrefix: Record<TransportKind, string> = { udp: '_sip._udp', tcp: '_sip._tcp', tls: '_sips._tcp' };
const defaultPortOf = (transport: TransportKind) => (transport === 'tls' ? DEFAULT_SIPS_PORT : DEFAULT_SIP_PORT);

/** SRV records in the order to try them: by priority, and within one at random by weight (RFC 2782). */
export function orderSrv(records: readonly SrvRecord[], random: () => number): SrvRecord[] {
  const usable = records.filter((record) => record.name !== '' && record.name !== '.');
  const ordered: SrvRecord[] = [];
  for (const priority of [...new Set(usable.map((record) => record.priority))].sort((a, b) => a - b)) {
    // Weight 0 first, as RFC 2782 asks: they are picked only when the draw lands on zero.
    const group = usable.filter((record) => record.priority === priority).sort((a, b) => (a.weight === 0 ? 0 : 1) - (b.weight === 0 ? 0 : 1));
    while (group.length > 0) {
      const total = group.reduce((sum, record) => sum + record.weight, 0);
      const draw = random() * total;
      let index = group.length - 1;
      for (let i = 0, running = 0; i < group.length; i++) {
        running += group[i]?.weight ?? 0;
        if (running >= draw) {
          index = i;
          break;
        }
      }
      ordered.push(...group.splice(index, 1));
    }
  }
  return ordered;
}

/** The NAPTR records a client of these transports may follow, best first (§4.1). */
function usableNaptr(records: readonly NaptrRecord[], secure: boolean): Array<{ transport: TransportKind; replacement: string }> {
  return records
    .filter((record) => record.flags.toLowerCase() === 's' && record.replacement !== '' && record.replacement !== '.')
    .map((record) => ({ record, transport: naptrServices[record.service.toUpperCase()] }))
    .filter((entry): entry is { record: NaptrRecord; transport: TransportKind } => entry.transport !== undefined && (!secure || entry.transport === 'tls'))
    .sort((a, b) => a.record.order - b.record.order || a.record.preference - b.record.preference)
    .map(({ record, transport }) => ({ transport, replacement: record.replacement }));
}

async function addressesAt(dns: SipDns, name: string, port: number, transport: TransportKind, serverName: string): Promise<Destination[]> {
  const addresses = await dns.addresses(name);
  return addresses.map((address) => ({ address, port, transport, ...(transport === 'tls' ? { serverName } : {}) }));
}

async function fromSrv(dns: SipDns, records: readonly SrvRecord[], transport: TransportKind, domain: string, random: () => number): Promise<Destination[]> {
  const destinations: Destination[] = [];
  for (const record of orderSrv(records, random)) {
    if (destinations.length >= maxDestinations) break;
    // A target whose addresses cannot be found is skipped: the next one may answer.
    destinations.push(...(await addressesAt(dns, record.name, record.port, transport, domain).catch((): Destination[] => [])));
  }
  return destinations;
}

/** The (transport, SRV records) the domain publishes for SIP: through NAPTR, else by asking SRV per transport. */
async function srvOfDomain(dns: SipDns, domain: string, target: ServerToLocate): Promise<{ transport: TransportKind; records: SrvRecord[] } | undefined> {
  if (target.transport !== undefined) {
    const records = await dns.srv(`${srvPrefix[target.transport]}.${domain}`);
    return records.length > 0 ? { transport: target.transport, records } : undefined;
  }
  for (const { transport, replacement } of usableNaptr(await dns.naptr(domain), target.secure)) {
    const records = await dns.srv(replacement);
    if (records.length > 0) return { transport, records };
  }
  for (const transport of target.secure ? (['tls'] as const) : (['udp', 'tcp'] as const)) {
    const records = await dns.srv(`${srvPrefix[transport]}.${domain}`);
    if (records.length > 0) return { transport, records };
  }
  return undefined;
}

/** Where a request for `target` goes, in the order to try; never throws. */
export async function locateServer(target: ServerToLocate, dns: SipDns, random: () => number = Math.random): Promise<Located> {
  const host = target.host;
  const fixedTransport = target.transport ?? (target.secure ? 'tls' : undefined);
  if (isIP(host) !== 0) {
    const transport = fixedTransport ?? 'udp';
    return { ok: true, destinations: [{ address: host, port: target.port ?? defaultPortOf(transport), transport }] };
  }
  try {
    let destinations: Destination[];
    if (target.port !== undefined) {
      destinations = await addressesAt(dns, host, target.port, fixedTransport ?? 'udp', host);
    } else {
      const published = await srvOfDomain(dns, host, { ...target, ...(fixedTransport === undefined ? {} : { transport: fixedTransport }) });
      const transport = published?.transport ?? fixedTransport ?? 'udp';
      destinations = published
        ? await fromSrv(dns, published.records, transport, host, random)
        : await addressesAt(dns, host, defaultPortOf(transport), transport, host);
    }
    if (destinations.length === 0) return { ok: false, reason: `no address for ${host}` };
    return { ok: true, destinations: destinations.slice(0, maxDestinations) };
  } catch (error) {
    return { ok: false, reason: `DNS lookup for ${host} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
