// The TwiML a SIP worker acts on, as typed values. Verbs and nouns the worker cannot carry out
// are kept in order as Unsupported so the caller can log them and move on, as Twilio would not.
import type { ProgressEvent } from '../webhook/progress-events.ts';

export type HttpMethod = 'POST' | 'GET';

/** Where a <Dial> noun's own call (Twilio's child call) reports its progress, and which events. */
export interface NounStatusCallback {
  /** Absolute, resolved against the document's URL. */
  readonly url: string;
  readonly method: HttpMethod;
  readonly events: ReadonlySet<ProgressEvent>;
}

interface Reported {
  readonly statusCallback?: NounStatusCallback;
}

export type DialTarget =
  | ({ readonly noun: 'Number'; readonly number: string } & Reported)
  /** `uri` is the sip: or sips: URI; username and password answer the far end's digest challenge. */
  | ({ readonly noun: 'Sip'; readonly uri: string; readonly username?: string; readonly password?: string } & Reported)
  | ({ readonly noun: 'Client'; readonly identity: string } & Reported)
  | { readonly noun: 'Unsupported'; readonly name: string };

export interface DialVerb {
  readonly verb: 'Dial';
  readonly targets: readonly DialTarget[];
  readonly callerId?: string;
  /** Seconds to wait for an answer; Twilio's default is 30. */
  readonly timeout: number;
  /** Absolute URL (resolved against the document's) requested when the dialled call ends. */
  readonly action?: string;
  readonly method: HttpMethod;
  /** Keep the caller in early media (no 200 OK) until the dialled party answers. */
  readonly answerOnBridge: boolean;
  /** Seconds the connected call may last from the answer; absent: the worker's own limit (SWITCHYARD_MAX_CALL_SECONDS). */
  readonly timeLimit?: number;
}

export type TwimlVerb =
  | DialVerb
  | { readonly verb: 'Reject'; readonly reason: RejectReason }
  | { readonly verb: 'Hangup' }
  /** `url` is absolute, resolved against the URL the document came from. */
  | { readonly verb: 'Redirect'; readonly url: string; readonly method: HttpMethod }
  | { readonly verb: 'Pause'; readonly length: number }
  | { readonly verb: 'Unsupported'; readonly name: string };

export type RejectReason = 'rejected' | 'busy';

export interface TwimlDocument {
  readonly verbs: readonly TwimlVerb[];
  /**
   * Attribute values that were out of range or malformed and replaced by their defaults, as
   * Twilio does with its 13xxx warnings; for the call's log, not the caller.
   */
  readonly warnings: readonly string[];
}

export type TwimlParseResult =
  | { readonly ok: true; readonly document: TwimlDocument }
  | { readonly ok: false; readonly error: TwimlError };

export interface TwimlError {
  /** xml: not well-formed XML; root: not a <Response>; verb: a verb that cannot be carried out as written. */
  readonly kind: 'xml' | 'root' | 'verb';
  readonly detail: string;
}
