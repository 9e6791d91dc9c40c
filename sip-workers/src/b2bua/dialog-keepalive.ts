// Dead call detection for answered calls: an OPTIONS inside each party's dialog every so often
// (as Kamailio's dialog module does with its keepalive timer). A party that answers at all, with
// any other status, still holds the dialog; a 481, a 408 or no answer within the transaction timeout means
// it crashed, lost the call or its BYE to us was lost, and the call is ended at once rather than
// at the call time limit hours later, with every minute billed in the status callback.
import type { TransactionLayer } from '../sip/transaction-layer.ts';
import { inDialogRequest } from './dialog.ts';
import type { Dialog } from './dialog.ts';
import type { LegSide } from './dialog-registry.ts';

export type DialogLoss = '481' | 'timeout' | 'transport-error';

export class DialogKeepalive {
  readonly #timer: NodeJS.Timeout;
  #stopped = false;

  /** Probes both dialogs every `intervalMs`; `onLost` runs once, for the first side found gone. */
  constructor(layer: TransactionLayer, dialogs: Record<LegSide, Dialog>, intervalMs: number, onLost: (side: LegSide, loss: DialogLoss) => void) {
    const lost = (side: LegSide, loss: DialogLoss) => {
      if (this.#stopped) return;
      this.stop();
      onLost(side, loss);
    };
    this.#timer = setInterval(() => {
      for (const side of ['caller', 'callee'] as const) {
        const dialog = dialogs[side];
        layer.sendRequest(inDialogRequest(dialog, 'OPTIONS'), dialog.destination, {
          onFinal: (response) => {
            // A 408 is a proxy on the way saying the party did not answer.
            if (response.status === 481) lost(side, '481');
            else if (response.status === 408) lost(side, 'timeout');
          },
          onTimeout: () => lost(side, 'timeout'),
          onTransportError: () => lost(side, 'transport-error'),
        });
      }
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
