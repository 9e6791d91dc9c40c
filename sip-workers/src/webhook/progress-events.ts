// Twilio's call progress events, as a placed call's StatusCallbackEvent (REST API) or a <Dial>
// noun's statusCallbackEvent attribute names them: once per event, or as one list separated by
// spaces (or commas). Without any named, Twilio posts completed alone.
export type ProgressEvent = 'initiated' | 'ringing' | 'answered' | 'completed';
export const PROGRESS_EVENTS: readonly ProgressEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
export const COMPLETED_ONLY: ReadonlySet<ProgressEvent> = new Set(['completed']);

/** The events named in `values` (undefined: none named), and the first name that is not an event. */
export function readProgressEvents(values: readonly string[]): { events?: ReadonlySet<ProgressEvent>; unknown?: string } {
  const given = values.flatMap((value) => value.split(/[\s,]+/)).filter((value) => value !== '');
  const unknown = given.find((event) => !PROGRESS_EVENTS.includes(event as ProgressEvent));
  const events = given.filter((event): event is ProgressEvent => PROGRESS_EVENTS.includes(event as ProgressEvent));
  return { ...(events.length === 0 ? {} : { events: new Set(events) }), ...(unknown === undefined ? {} : { unknown }) };
}
