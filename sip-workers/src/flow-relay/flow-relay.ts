// The thin layer that carries out relay-decision.ts: it sees every message before the transaction
// layer does, takes the ones a flow token routes through this replica, and sends them on.
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SipMessage } from '../sip/message.ts';
import { createResponse } from '../sip/response-builder.ts';
import type { MessageSource, SipTransport } from '../sip/transport.ts';
import type { WorkerLogger } from '../worker/logger.ts';
import type { FlowTokens } from './flow-token.ts';
import { relayRequest, relayResponse } from './relay-decision.ts';

export function flowRelayMetrics(registry: Registry) {
  return new Counter({
    name: 'switchyard_flow_relay_messages_total',
    help: 'Messages relayed between another replica and a phone\'s flow held here (its TCP or TLS connection, its UDP address behind NAT), by direction and outcome (relayed, flow-failed, refused, dropped).',
    labelNames: ['direction', 'outcome'],
    registers: [registry],
  });
}

export class FlowRelay {
  readonly #transport: SipTransport;
  readonly #tokens: FlowTokens;
  readonly #log: WorkerLogger;
  readonly #counter: ReturnType<typeof flowRelayMetrics>;

  constructor(transport: SipTransport, tokens: FlowTokens, counter: ReturnType<typeof flowRelayMetrics>, log: WorkerLogger) {
    this.#transport = transport;
    this.#tokens = tokens;
    this.#counter = counter;
    this.#log = log;
  }

  /** True when the message was the relay's to handle (sent on, answered or dropped). */
  intercept(message: SipMessage, source: MessageSource): boolean {
    return message.kind === 'request' ? this.#request(message, source) : this.#response(message);
  }

  #request(request: Extract<SipMessage, { kind: 'request' }>, source: MessageSource): boolean {
    const decision = relayRequest(request, source, this.#transport, this.#tokens);
    switch (decision.kind) {
      case 'not-relayed':
        return false;
      case 'drop':
        this.#counter.inc({ direction: 'request', outcome: 'dropped' });
        this.#log.debug({ method: request.method, reason: decision.reason }, 'relayed request dropped');
        return true;
      case 'reply':
        this.#counter.inc({ direction: 'request', outcome: 'refused' });
        void this.#transport.sendResponse(createResponse(request, decision.status, { reason: decision.reason }), source);
        return true;
      case 'forward':
        void this.#transport.sendRequest(decision.request, decision.destination).then((sent) => {
          if (sent.ok) {
            this.#counter.inc({ direction: decision.towardsFlow ? 'to-phone' : 'from-phone', outcome: 'relayed' });
            return;
          }
          this.#counter.inc({ direction: decision.towardsFlow ? 'to-phone' : 'from-phone', outcome: 'flow-failed' });
          this.#log.info({ method: request.method, error: sent.error }, 'relayed request could not be sent on');
          // RFC 5626 §5.3: the phone's flow is gone; the other replica tries its next binding.
          if (request.method !== 'ACK') void this.#transport.sendResponse(createResponse(request, 430, { reason: 'Flow Failed' }), source);
        });
        return true;
    }
  }

  #response(response: Extract<SipMessage, { kind: 'response' }>): boolean {
    const decision = relayResponse(response, this.#transport);
    if (decision.kind === 'not-relayed') return false;
    if (decision.kind === 'drop') {
      this.#counter.inc({ direction: 'response', outcome: 'dropped' });
      return true;
    }
    // sendRequest sends any message to a destination; sendResponse would pick its own from the Via.
    void this.#transport.sendRequest(decision.response, decision.destination).then((sent) => {
      this.#counter.inc({ direction: 'response', outcome: sent.ok ? 'relayed' : 'flow-failed' });
    });
    return true;
  }
}
