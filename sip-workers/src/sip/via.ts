// Via header values (RFC 3261 §20.42, §18.2.1; RFC 3581 rport).
import { fail, formatParams, isToken, ok, parseParams, splitOutside } from './header-lexer.ts';
import type { Params, Result } from './header-lexer.ts';
import { sameHeaderName } from './header-names.ts';
import { headerValues } from './message.ts';
import type { HeaderField } from './message.ts';
import { rememberParses } from './recent-parses.ts';
import { parseHost } from './uri.ts';

export const MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  /** "SIP/2.0" with LWS removed. */
  protocol: string;
  /** Upper-cased: UDP, TCP, TLS, SCTP or anything else a peer invented. */
  transport: string;
  host: string;
  port?: number;
  params: Params;
}

// sent-protocol allows LWS around each "/" (torture message wsinv depends on it).
const SENT_PROTOCOL = /^([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s/]+)\s+(.+)$/;

export function parseVia(value: string): Result<Via> {
  const pieces = splitOutside(value, ';');
  if (!pieces) return fail('unbalanced quotes in Via');
  const [head = '', ...paramPieces] = pieces;
  const match = SENT_PROTOCOL.exec(head.trim());
  if (!match) return fail('invalid sent-protocol in Via');
  const [, name = '', version = '', transport = '', sentBy = ''] = match;
  if (!isToken(name) || !isToken(version) || !isToken(transport)) return fail('invalid sent-protocol in Via');
  // LWS may surround the ':' of sent-by.
  const hostPort = parseHost(sentBy.replace(/\s*:\s*/, ':'));
  if (!hostPort.ok) return fail(`invalid sent-by in Via: ${hostPort.error}`);
  const params = parseParams(paramPieces);
  if (!params.ok) return fail(`Via: ${params.error}`);
  const rport = params.value.get('rport');
  if (rport !== undefined && rport !== null && !/^\d{1,5}$/.test(rport)) return fail('invalid rport');
  const via: Via = {
    protocol: `${name.toUpperCase()}/${version}`,
    transport: transport.toUpperCase(),
    host: hostPort.value.host,
    params: params.value,
  };
  if (hostPort.value.port !== undefined) via.port = hostPort.value.port;
  return ok(via);
}

export function formatVia(via: Via): string {
  const port = via.port === undefined ? '' : `:${via.port}`;
  return `${via.protocol}/${via.transport} ${via.host}${port}${formatParams(via.params)}`;
}

export function viaBranch(via: Via): string | undefined {
  return via.params.get('branch') ?? undefined;
}

export function viaReceived(via: Via): string | undefined {
  return via.params.get('received') ?? undefined;
}

/** undefined: no rport; null: rport asked for (no value yet); number: filled in. */
export function viaRport(via: Via): number | null | undefined {
  const value = via.params.get('rport');
  if (value === undefined) return undefined;
  return value === null ? null : Number(value);
}

/** host[:port] as used in transaction keys; host compared case-insensitively. */
export function viaSentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? ''}`;
}

/**
 * parseVia, remembered for the last four values (recent-parses.ts): the top Via of one message is
 * read four or five times (validation, received/rport, the transaction key, where a response
 * goes, whether a response is ours). The Via returned is shared: read it, do not change it.
 */
export const rememberedVia = rememberParses(parseVia, 4);

/** The top Via, shared (see rememberedVia): copy it before changing it. */
export function topVia(message: { headers: readonly HeaderField[] }): Via | undefined {
  const field = message.headers.find((h) => sameHeaderName(h.name, 'Via'));
  if (field === undefined) return undefined;
  const parsed = rememberedVia(field.value);
  return parsed.ok ? parsed.value : undefined;
}

export function allVias(message: { headers: readonly HeaderField[] }): Via[] | undefined {
  const vias: Via[] = [];
  for (const value of headerValues(message, 'Via')) {
    const parsed = parseVia(value);
    if (!parsed.ok) return undefined;
    vias.push(parsed.value);
  }
  return vias;
}

/** Rewrites the first Via field (the only one a receiver may annotate). */
export function replaceTopVia(message: { headers: HeaderField[] }, via: Via): void {
  const field = message.headers.find((h) => h.name === 'Via');
  if (field) field.value = formatVia(via);
}
