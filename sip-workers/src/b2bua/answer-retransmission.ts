// The UAS core's own retransmission of a 2xx to an INVITE (RFC 3261 §13.3.1.4): the server
// transaction has left it to us. Over UDP the 2xx is sent again at T1, doubling up to T2, until
// the ACK arrives; with no ACK within 64·T1 the dialog is to be ended. Reliable transports need
// neither the resending nor the deadline (the transport already delivered it or failed).
import type { ResponseOptions } from '../sip/response-builder.ts';
import type { ServerTransaction } from '../sip/server-transaction.ts';
import type { TimerValues } from '../sip/timers.ts';
import { transactionTimeout } from '../sip/timers.ts';

export interface AnswerRetransmission {
  /** The ACK came (or the call ended): no more resending, no deadline. */
  stop(): void;
}

/** Sends the 2xx, then resends it until stopped; `onAckTimeout` runs if 64·T1 pass first. */
export function answerUntilAcked(transaction: ServerTransaction, status: number, options: ResponseOptions, timers: TimerValues, onAckTimeout: () => void): AnswerRetransmission {
  void transaction.reply(status, options);
  if (transaction.source.transport !== 'udp') return { stop: () => undefined };
  const started = Date.now();
  let interval = timers.t1;
  let timer: NodeJS.Timeout | undefined;
  const again = () => {
    if (Date.now() - started >= transactionTimeout(timers)) {
      onAckTimeout();
      return;
    }
    void transaction.reply(status, options);
    interval = Math.min(interval * 2, timers.t2);
    timer = setTimeout(again, interval);
  };
  timer = setTimeout(again, interval);
  return { stop: () => clearTimeout(timer) };
}
