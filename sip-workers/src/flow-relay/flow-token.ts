// RFC 5626 §5.2's flow token: names a phone's flow at one worker replica (the TCP or TLS
// connection it opened, or the UDP source address of a phone behind NAT, whose NAT lets in only
// the address its REGISTER went to), so that another replica can route a request to the phone
// through the replica holding it. The
// token travels in the user part of a Route (and Record-Route) URI; it is signed with a key every
// replica of the carrier shares, so no one else can make a worker forward into a phone's flow.
// It also names the replica that placed the call (the peer): what the phone sends back through
// the relay goes there and nowhere else, so a phone cannot use a worker, whose address carriers
// trust, to reach anyone it likes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Flow } from '../registrar/binding.ts';

export type FlowAddress = Pick<Flow, 'transport' | 'address' | 'port'>;

export interface RelayedFlow {
  flow: FlowAddress;
  /** host:port (UDP) of the replica on the other side of the relay. */
  peer: string;
}

/** 16 bytes of HMAC-SHA256: forging one takes 2^128 tries. */
const MAC_BYTES = 16;

/** The shape of a token (payload '.' 22 characters of MAC), to tell one from an ordinary user part such as our Contact's. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/;

export function looksLikeFlowToken(user: string): boolean {
  return TOKEN_SHAPE.test(user);
}

export class FlowTokens {
  readonly #key: Uint8Array;

  constructor(key: Uint8Array) {
    if (key.length < 16) throw new Error('the flow token key needs at least 16 bytes');
    this.#key = key;
  }

  /** base64url(transport|address|port|peer) '.' base64url(mac): only unreserved characters, valid in a SIP URI's user part. */
  mint({ flow, peer }: RelayedFlow): string {
    const payload = Buffer.from(`${flow.transport}|${flow.address}|${flow.port}|${peer}`).toString('base64url');
    return `${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  /** What a token names, or undefined when it was not minted with our key (or is not a token at all). */
  read(token: string): RelayedFlow | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    if (mac.length !== MAC_BYTES || !timingSafeEqual(mac, this.#mac(payload))) return undefined;
    const [transport, address, port, peer] = Buffer.from(payload, 'base64url').toString().split('|');
    if ((transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') || !address || !/^\d{1,5}$/.test(port ?? '') || !peer) return undefined;
    return { flow: { transport, address, port: Number(port) }, peer };
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}
