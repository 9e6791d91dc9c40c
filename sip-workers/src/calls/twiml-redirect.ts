// Redirecting a live call to new TwiML (the REST API's Url or Twiml on a call, as Twilio's "modify
// a live call"): the document running stops where it is and the new one runs, the way a queue
// keeps a caller in a <Pause> until an agent is free and then moves it to a <Dial>. A <Dial> still
// ringing stops ringing (its legs are cancelled, its action is not asked). Not once connected:
// moving a call connected by a <Dial> would need a re-INVITE, which the worker does not send.
import type { CallSession } from '../b2bua/call-session.ts';

/** Where the call goes: a URL to fetch its TwiML from, or the TwiML itself (as the API took it, parsed where the call runs). */
export type RedirectTarget = { readonly url: string; readonly method: 'GET' | 'POST' } | { readonly twiml: string };

/** How a redirect request went: done, or why not. */
export type RedirectOutcome = 'redirected' | 'connected' | 'dialing' | 'not-live';

export class TwimlRedirects {
  readonly #session: Pick<CallSession, 'state'>;
  #pending: RedirectTarget | undefined;
  #wake: (() => void) | undefined;
  #stopDial: (() => void) | undefined;

  constructor(session: Pick<CallSession, 'state'>) {
    this.#session = session;
  }

  /** A redirect is waiting to run: a <Dial> that just stopped ringing for it asks no action. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** While a <Dial> rings: how to stop it for a redirect. Returns the call to make once the <Dial> is over. */
  whileDialing(stop: () => void): () => void {
    this.#stopDial = stop;
    return () => {
      if (this.#stopDial === stop) this.#stopDial = undefined;
    };
  }

  /** Takes `target` for the call if its TwiML can be replaced now; a <Pause> in progress stops at once. */
  request(target: RedirectTarget): RedirectOutcome {
    const { state } = this.#session;
    if (state === 'ended') return 'not-live';
    if (state === 'answered') return 'connected';
    if (state === 'dialing' && this.#stopDial === undefined) return 'dialing';
    this.#pending = target;
    this.#wake?.();
    this.#stopDial?.();
    return 'redirected';
  }

  /** The redirect waiting to run, once. */
  take(): RedirectTarget | undefined {
    const target = this.#pending;
    this.#pending = undefined;
    return target;
  }

  /** Resolves when a redirect is requested (at once if one waits): what a <Pause> stops for. */
  interruption(): Promise<void> {
    if (this.#pending) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
