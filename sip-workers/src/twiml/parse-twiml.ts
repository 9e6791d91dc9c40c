// TwiML text → typed verbs. Element and attribute names are case-sensitive, as in Twilio's
// schema. Malformed attribute values fall back to Twilio's defaults with a warning; a verb that
// cannot be carried out as written (a <Redirect> without a URL, a <Dial> naming no one) makes
// the whole document an error, so the caller treats it like any other bad answer and tries the
// fallback URL.
import { readDial } from './dial-verb.ts';
import { isFailure, methodAttribute, resolveWebhookUrl, secondsAttribute } from './twiml-attributes.ts';
import type { ReadContext, VerbFailure } from './twiml-attributes.ts';
import type { RejectReason, TwimlParseResult, TwimlVerb } from './twiml-verbs.ts';
import { childElements, ownText, parseXml } from './xml-parser.ts';
import type { XmlElement } from './xml-parser.ts';

// A pause is a timer on the call: bounded so that no document can park a call for days.
const PAUSE_LENGTH = { min: 1, max: 600, fallback: 1 };

/**
 * @param documentUrl the URL the document was fetched from: relative <Redirect> and action
 *   URLs resolve against it.
 */
export function parseTwiml(xml: string, documentUrl: string): TwimlParseResult {
  const parsed = parseXml(xml);
  if (!parsed.ok) return { ok: false, error: { kind: 'xml', detail: `${parsed.error.detail} at offset ${parsed.error.offset}` } };
  const root = parsed.root;
  if (root.name !== 'Response') return { ok: false, error: { kind: 'root', detail: `the root element is <${root.name}>, not <Response>` } };

  const context: ReadContext = { documentUrl, warnings: [] };
  if (ownText(root).trim() !== '') context.warnings.push('<Response>: text outside any verb is ignored');
  const verbs: TwimlVerb[] = [];
  for (const element of childElements(root)) {
    const verb = readVerb(element, context);
    if (isFailure(verb)) return { ok: false, error: { kind: 'verb', detail: verb.failure } };
    verbs.push(verb);
  }
  return { ok: true, document: { verbs, warnings: context.warnings } };
}

function readVerb(element: XmlElement, context: ReadContext): TwimlVerb | VerbFailure {
  switch (element.name) {
    case 'Dial':
      return readDial(element, context);
    case 'Reject':
      return { verb: 'Reject', reason: rejectReason(element, context) };
    case 'Hangup':
      return { verb: 'Hangup' };
    case 'Redirect':
      return readRedirect(element, context);
    case 'Pause':
      return { verb: 'Pause', length: secondsAttribute(element, 'length', PAUSE_LENGTH, context) };
    default:
      return { verb: 'Unsupported', name: element.name };
  }
}

function rejectReason(element: XmlElement, context: ReadContext): RejectReason {
  const reason = element.attributes.get('reason');
  if (reason === undefined || reason === 'rejected') return 'rejected';
  if (reason === 'busy') return 'busy';
  context.warnings.push(`<Reject reason="${reason}">: not rejected or busy, using rejected`);
  return 'rejected';
}

function readRedirect(element: XmlElement, context: ReadContext): TwimlVerb | VerbFailure {
  const reference = ownText(element).trim();
  if (reference === '') return { failure: '<Redirect> has no URL' };
  const url = resolveWebhookUrl(reference, context);
  if (typeof url !== 'string') return { failure: `<Redirect>: ${url.failure}` };
  return { verb: 'Redirect', url, method: methodAttribute(element, context) };
}
