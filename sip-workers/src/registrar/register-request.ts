// Reads a REGISTER into plain values the registrar decides on (RFC 3261 §10.2, §10.3 steps 5-6):
// the address-of-record from To, the Contacts with what each asks for, and the flow the request
// came over. A request that breaks §10's rules is refused here with 400 and a reason.
import type { Params } from '../sip/header-lexer.ts';
import { unquote } from '../sip/header-lexer.ts';
import { headerValue } from '../sip/message.ts';
import type { SipRequest } from '../sip/message.ts';
import { contactExpires, contacts, formatNameAddr, toHeader } from '../sip/name-addr.ts';
import type { NameAddr } from '../sip/name-addr.ts';
import { cseqHeader, callIdHeader, expiresHeader } from '../sip/scalar-headers.ts';
import type { MessageSource } from '../sip/transport.ts';
import { formatUri, socketHost } from '../sip/uri.ts';
import type { SipUri } from '../sip/uri.ts';
import type { Flow, PushParameters } from './binding.ts';
import { refuse } from './registrar-answer.ts';
import type { RegistrarAnswer } from './registrar-answer.ts';

export interface RequestedContact {
  id: string;
  contact: string;
  uri: string;
  q?: number;
  natted: boolean;
  instance?: string;
  regId?: number;
  push?: PushParameters;
  /** The Contact's expires parameter, else the request's Expires header; undefined when neither says. */
  expires?: number;
}

export type RequestedContacts =
  | { kind: 'query' }
  | { kind: 'remove-all' }
  | { kind: 'update'; contacts: RequestedContact[] };

export interface RegisterRequest {
  /** The To URI's user and host (lower-cased): the address-of-record being registered. */
  aor: { user: string; host: string };
  callId: string;
  cseq: number;
  flow: Flow;
  userAgent?: string;
  contacts: RequestedContacts;
}

const Q_VALUE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;
const REG_ID = /^[1-9]\d{0,9}$/;

function paramText(params: Params, name: string): string | undefined {
  const value = params.get(name);
  return value === undefined || value === null ? undefined : unquote(value);
}

/**
 * The binding's identity: RFC 5626 §6 replaces a flow by instance and reg-id; otherwise §10.3
 * compares Contact URIs, here by scheme, user, host, port and the parameters §19.1.4 makes
 * significant. RFC 8599's pn-* parameters are left out, so a UA refreshing its push token
 * replaces its binding instead of leaving the old one to expire.
 */
function bindingId(uri: SipUri, instance: string | undefined, regId: number | undefined): string {
  if (instance !== undefined && regId !== undefined) return `instance ${instance} reg-id ${regId}`;
  const significant = ['transport', 'user', 'maddr', 'ttl', 'method']
    .map((name) => [name, uri.params.get(name)] as const)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `;${name}=${(value ?? '').toLowerCase()}`)
    .join('');
  return `${uri.scheme}:${uri.user ?? ''}@${uri.host.toLowerCase()}${uri.port === undefined ? '' : `:${uri.port}`}${significant}`;
}

function pushParameters(uri: SipUri): PushParameters | RegistrarAnswer | undefined {
  const provider = uri.params.get('pn-provider') ?? undefined;
  const prid = uri.params.get('pn-prid') ?? undefined;
  const param = uri.params.get('pn-param') ?? undefined;
  if (provider === undefined) {
    if (prid !== undefined || param !== undefined) return refuse(400, 'Bad Request - pn-prid Without pn-provider', 'RFC 8599: a Contact with pn-prid or pn-param must name its pn-provider');
    return undefined;
  }
  if (provider === '') return refuse(400, 'Bad Request - Empty pn-provider', 'RFC 8599: pn-provider names the push service');
  return { provider, ...(prid === undefined ? {} : { prid }), ...(param === undefined ? {} : { param }) };
}

/** The q and RFC 5626 reg-id header parameters, checked against their grammars. */
function numericParams(params: Params): { q?: number; regId?: number } | RegistrarAnswer {
  const q = params.get('q');
  if (q === null || (q !== undefined && !Q_VALUE.test(q))) return refuse(400, 'Bad Request - Invalid q', `Contact q="${q ?? ''}" is not a qvalue`);
  const regId = params.get('reg-id');
  if (regId === null || (regId !== undefined && !REG_ID.test(regId))) return refuse(400, 'Bad Request - Invalid reg-id', `Contact reg-id="${regId ?? ''}" is not a positive integer`);
  return { ...(q === undefined ? {} : { q: Number(q) }), ...(regId === undefined ? {} : { regId: Number(regId) }) };
}

function readContact(value: NameAddr, source: MessageSource, headerExpires: number | undefined): RequestedContact | RegistrarAnswer {
  const uri = value.uri;
  // The worker reaches a UA only over sip: (no TLS transport yet), and tel: or http: are no way to call back.
  if (uri.kind !== 'sip' || uri.scheme !== 'sip') return refuse(400, 'Bad Request - Contact Must Be A sip: URI', `Contact ${formatUri(uri)} is not a sip: URI`);
  const numbers = numericParams(value.params);
  if ('status' in numbers) return numbers;
  const { q, regId } = numbers;
  const instance = paramText(value.params, '+sip.instance');
  const push = pushParameters(uri);
  if (push && 'status' in push) return push;
  const params = new Map(value.params);
  params.delete('expires');
  const expires = contactExpires(value) ?? headerExpires;
  const defaultPort = 5060;
  return {
    id: bindingId(uri, instance, regId),
    contact: formatNameAddr({ ...value, params }),
    uri: formatUri(uri),
    ...(q === undefined ? {} : { q }),
    natted: socketHost(uri.host).toLowerCase() !== source.address.toLowerCase() || (uri.port ?? defaultPort) !== source.port,
    ...(instance === undefined ? {} : { instance }),
    ...(regId === undefined ? {} : { regId }),
    ...(push === undefined ? {} : { push }),
    ...(expires === undefined ? {} : { expires }),
  };
}

function readContacts(request: SipRequest, source: MessageSource): RequestedContacts | RegistrarAnswer {
  const list = contacts(request);
  if (!list) return refuse(400, 'Bad Request - Invalid Contact', 'a Contact header could not be parsed');
  if (list.length === 0) return { kind: 'query' };
  const headerExpires = expiresHeader(request);
  if (list.some((contact) => contact.star)) {
    // §10.3 step 6: "*" removes every binding, and only alone with Expires: 0.
    if (list.length > 1) return refuse(400, 'Bad Request - Contact * Not Alone', 'Contact: * must be the only Contact');
    if (headerExpires !== 0) return refuse(400, 'Bad Request - Contact * Needs Expires 0', 'Contact: * is allowed only with Expires: 0');
    return { kind: 'remove-all' };
  }
  const requested: RequestedContact[] = [];
  for (const contact of list) {
    if (contact.star) continue;
    const read = readContact(contact, source, headerExpires);
    if ('status' in read) return read;
    // The same Contact twice in one request: the last one counts, as if sent one after another.
    const previous = requested.findIndex((other) => other.id === read.id);
    if (previous >= 0) requested.splice(previous, 1);
    requested.push(read);
  }
  return { kind: 'update', contacts: requested };
}

export function readRegister(request: SipRequest, source: MessageSource, edge: string): { ok: true; request: RegisterRequest } | { ok: false; answer: RegistrarAnswer } {
  const to = toHeader(request)?.uri;
  if (to?.kind !== 'sip' || to.user === undefined || to.user === '') {
    return { ok: false, answer: refuse(400, 'Bad Request - To Is Not An Address-Of-Record', 'the To of a REGISTER must be a sip: URI with a user part') };
  }
  const callId = callIdHeader(request);
  const cseq = cseqHeader(request);
  if (callId === undefined || cseq === undefined) return { ok: false, answer: refuse(400, 'Bad Request', 'Call-ID or CSeq missing') };
  const read = readContacts(request, source);
  if ('status' in read) return { ok: false, answer: read };
  const userAgent = headerValue(request, 'User-Agent');
  return {
    ok: true,
    request: {
      aor: { user: to.user, host: to.host.toLowerCase() },
      callId,
      cseq: cseq.seq,
      flow: { transport: source.transport, address: source.address, port: source.port, edge },
      ...(userAgent === undefined ? {} : { userAgent }),
      contacts: read,
    },
  };
}
