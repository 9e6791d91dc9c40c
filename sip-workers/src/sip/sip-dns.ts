// The DNS questions RFC 3263 asks, behind an interface so the locator's rules are tested without
// a server. By default NAPTR and SRV go to the resolvers of /etc/resolv.conf and a name's
// addresses come from the OS (getaddrinfo: /etc/hosts, then DNS), as every other connection of
// the pod resolves. SWITCHYARD_DNS_SERVERS sends every question, addresses too, to those servers.
import { lookup, Resolver } from 'node:dns/promises';

export interface NaptrRecord {
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  order: number;
  preference: number;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface SipDns {
  /** No record (NXDOMAIN, NODATA) is an empty list; a server failure or timeout throws. */
  naptr(name: string): Promise<NaptrRecord[]>;
  srv(name: string): Promise<SrvRecord[]>;
  /** IPv4 first, then IPv6. */
  addresses(name: string): Promise<string[]>;
}

const noRecord = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME']);

async function orNone<T>(query: Promise<T[]>): Promise<T[]> {
  try {
    return await query;
  } catch (error) {
    if (noRecord.has((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

export interface SipDnsOptions {
  /** host or host:port each; empty or absent: the system's. */
  servers?: readonly string[];
  timeoutMs?: number;
}

export function systemSipDns(options: SipDnsOptions = {}): SipDns {
  // A few seconds at most: the caller waits through every lookup, and §4.3 has other servers to try.
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 1500, tries: 2 });
  const servers = options.servers ?? [];
  if (servers.length > 0) resolver.setServers([...servers]);
  return {
    naptr: (name) => orNone(resolver.resolveNaptr(name)),
    srv: (name) => orNone(resolver.resolveSrv(name)),
    addresses: async (name) => {
      if (servers.length === 0) return (await orNone(lookup(name, { all: true, order: 'ipv4first' }))).map((entry) => entry.address);
      return [...(await orNone(resolver.resolve4(name))), ...(await orNone(resolver.resolve6(name)))];
    },
  };
}
