// An authoritative DNS server on 127.0.0.1 for the names a test makes up: A, SRV and NAPTR
// records over UDP (RFC 1035 §4, RFC 2782, RFC 3403), written by hand so the worker's resolver
// (c-ares, through node:dns) is what is under test. Unknown names get NXDOMAIN, known names
// without the type asked NODATA. Every question is noted.
import { createSocket } from 'node:dgram';

export type DnsRecord =
  | { type: 'A'; address: string }
  | { type: 'SRV'; priority: number; weight: number; port: number; target: string }
  | { type: 'NAPTR'; order: number; preference: number; flags: string; service: string; regexp: string; replacement: string };

const typeCodes = { A: 1, SRV: 33, NAPTR: 35 } as const;

export interface DnsServer {
  /** host:port, for SWITCHYARD_DNS_SERVERS. */
  server: string;
  /** "TYPE name" of every question, in order. */
  questions: string[];
  set(name: string, records: DnsRecord[]): void;
  /** Questions about this name get no answer at all, as from a server that is down. */
  ignore(name: string): void;
  /** Questions about this name get SERVFAIL, as from a resolver that cannot reach the name's servers. */
  fail(name: string): void;
  close(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((label) => label !== '');
  return Buffer.concat([...labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')])), Buffer.from([0])]);
}

const characterString = (text: string) => Buffer.concat([Buffer.from([text.length]), Buffer.from(text, 'ascii')]);
const u16 = (...values: number[]) => Buffer.from(values.flatMap((value) => [value >> 8, value & 0xff]));

function rdata(record: DnsRecord): Buffer {
  switch (record.type) {
    case 'A':
      return Buffer.from(record.address.split('.').map(Number));
    case 'SRV':
      return Buffer.concat([u16(record.priority, record.weight, record.port), encodeName(record.target)]);
    case 'NAPTR':
      return Buffer.concat([u16(record.order, record.preference), characterString(record.flags), characterString(record.service), characterString(record.regexp), encodeName(record.replacement)]);
  }
}

/** The question's name (lower case), type code and where the question section ends. */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  const labels: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    const length = query[at] ?? 0;
    labels.push(query.toString('ascii', at + 1, at + 1 + length));
    at += 1 + length;
  }
  if (at + 5 > query.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: query.readUInt16BE(at + 1), end: at + 5 };
}

export async function startDnsServer(): Promise<DnsServer> {
  const zone = new Map<string, DnsRecord[]>();
  const ignored = new Set<string>();
  const failing = new Set<string>();
  const questions: string[] = [];
  const socket = createSocket('udp4');
  socket.on('message', (query, remote) => {
    const question = readQuestion(query);
    if (!question || query.length < 12) return;
    const typeName = Object.entries(typeCodes).find(([, code]) => code === question.type)?.[0] ?? String(question.type);
    questions.push(`${typeName} ${question.name}`);
    if (ignored.has(question.name)) return;
    const records = zone.get(question.name);
    const answers = (records ?? []).filter((record) => typeCodes[record.type] === question.type);
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2);
    const servfail = failing.has(question.name);
    // QR, AA, RD copied; RA; NXDOMAIN when the name is unknown, SERVFAIL when told to fail.
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | (servfail ? 2 : records === undefined ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(servfail ? 0 : answers.length, 6);
    const body = (servfail ? [] : answers).map((record) => {
      const data = rdata(record);
      return Buffer.concat([u16(0xc00c, typeCodes[record.type], 1), Buffer.from([0, 0, 0, 30]), u16(data.length), data]);
    });
    socket.send(Buffer.concat([header, query.subarray(12, question.end), ...body]), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    questions,
    set: (name, records) => zone.set(name.toLowerCase(), records),
    ignore: (name) => ignored.add(name.toLowerCase()),
    fail: (name) => failing.add(name.toLowerCase()),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
