// Twilio's call progress events for a call the REST API places (its StatusCallbackEvent):
// initiated when our INVITE goes out to the party, ringing at its first 180 or 183, answered when
// it answers, completed when the call ends. Each one the account asked for is posted to its
// StatusCallback once, numbered in the order it happened (SequenceNumber), since the posts travel
// concurrently and may arrive out of order. Without StatusCallbackEvent only completed is posted.
import type { StatusCallbackStatus } from '../webhook/call-parameters.ts';
import type { ProgressEvent } from '../webhook/progress-events.ts';

/** What each event reports as CallStatus, as Twilio's do. */
const STATUS_OF: Record<Exclude<ProgressEvent, 'completed'>, StatusCallbackStatus> = { initiated: 'initiated', ringing: 'ringing', answered: 'in-progress' };

export class CallProgress {
  readonly #wanted: ReadonlySet<ProgressEvent>;
  readonly #post: (status: StatusCallbackStatus, sequenceNumber: number) => void;
  readonly #reached = new Set<ProgressEvent>();
  #sequence = 0;

  /** `post` sends one event's callback; it must not throw. */
  constructor(wanted: ReadonlySet<ProgressEvent>, post: (status: StatusCallbackStatus, sequenceNumber: number) => void) {
    this.#wanted = wanted;
    this.#post = post;
  }

  /** The call reached `event`: posted if the account asked for it and it was not already. */
  reached(event: Exclude<ProgressEvent, 'completed'>): void {
    if (this.#reached.has(event)) return;
    this.#reached.add(event);
    if (this.#wanted.has(event)) this.#post(STATUS_OF[event], this.#sequence++);
  }

  /** The SequenceNumber of the completed callback, or undefined when the account did not ask for one. */
  completed(): number | undefined {
    if (!this.#wanted.has('completed') || this.#reached.has('completed')) return undefined;
    this.#reached.add('completed');
    return this.#sequence++;
  }
}
