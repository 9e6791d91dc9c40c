// <Dial> and its nouns. A bare number as the verb's text is shorthand for one <Number>.
import {
  booleanAttribute, isFailure, methodAttribute, resolveWebhookUrl, secondsAttribute, textAttribute,
} from './twiml-attributes.ts';
import type { ReadContext, VerbFailure } from './twiml-attributes.ts';
import { COMPLETED_ONLY, PROGRESS_EVENTS, readProgressEvents } from '../webhook/progress-events.ts';
import type { DialTarget, DialVerb, NounStatusCallback } from './twiml-verbs.ts';
import { childElements, ownText } from './xml-parser.ts';
import type { XmlElement } from './xml-parser.ts';

// Twilio rings for 30 s by default and for at most 600 s.
const DIAL_TIMEOUT = { min: 1, max: 600, fallback: 30 };
// Twilio's default is 4 hours, which is also the worker's own limit by default; an unreadable
// value falls back to it as Twilio's warning 13216 says. A day at most, the REST API's TimeLimit's bound too.
export const DIAL_TIME_LIMIT = { min: 1, max: 86_400, fallback: 14_400 };

export function readDial(element: XmlElement, context: ReadContext): DialVerb | VerbFailure {
  const targets = readTargets(element, context);
  if (isFailure(targets)) return targets;

  let action: string | undefined;
  const actionReference = textAttribute(element, 'action');
  if (actionReference !== undefined) {
    const resolved = resolveWebhookUrl(actionReference, context);
    if (typeof resolved !== 'string') return { failure: `<Dial action>: ${resolved.failure}` };
    action = resolved;
  }
  const callerId = textAttribute(element, 'callerId');
  return {
    verb: 'Dial',
    targets,
    ...(callerId === undefined ? {} : { callerId }),
    timeout: secondsAttribute(element, 'timeout', DIAL_TIMEOUT, context),
    ...(action === undefined ? {} : { action }),
    method: methodAttribute(element, context),
    answerOnBridge: booleanAttribute(element, 'answerOnBridge', context),
    ...(element.attributes.has('timeLimit') ? { timeLimit: secondsAttribute(element, 'timeLimit', DIAL_TIME_LIMIT, context) } : {}),
  };
}

function readTargets(element: XmlElement, context: ReadContext): DialTarget[] | VerbFailure {
  const nouns = childElements(element);
  const text = ownText(element).trim();
  if (nouns.length === 0) {
    if (text === '') return { failure: '<Dial> names no one to dial' };
    return [{ noun: 'Number', number: text }];
  }
  if (text !== '') context.warnings.push(`<Dial>: text "${text}" beside nouns is ignored`);
  const targets: DialTarget[] = [];
  for (const noun of nouns) {
    const target = readNoun(noun, context);
    if (isFailure(target)) return target;
    targets.push(target);
  }
  return targets;
}

/**
 * A noun's statusCallback, statusCallbackMethod and statusCallbackEvent. A URL that cannot be
 * requested, or an event Twilio does not know, is left out with a warning, as Twilio warns and
 * dials all the same.
 */
function statusCallbackOf(noun: XmlElement, context: ReadContext): { statusCallback?: NounStatusCallback } {
  const reference = textAttribute(noun, 'statusCallback');
  if (reference === undefined) return {};
  const url = resolveWebhookUrl(reference, context);
  if (typeof url !== 'string') {
    context.warnings.push(`<${noun.name} statusCallback>: ${url.failure}; no status callback`);
    return {};
  }
  const { events, unknown } = readProgressEvents([noun.attributes.get('statusCallbackEvent') ?? '']);
  if (unknown !== undefined) context.warnings.push(`<${noun.name} statusCallbackEvent>: "${unknown}" is not ${PROGRESS_EVENTS.join(', ')}; left out`);
  return { statusCallback: { url, method: methodAttribute(noun, context, 'statusCallbackMethod'), events: events ?? COMPLETED_ONLY } };
}

function readNoun(noun: XmlElement, context: ReadContext): DialTarget | VerbFailure {
  const reported = () => statusCallbackOf(noun, context);
  switch (noun.name) {
    case 'Number': {
      const number = ownText(noun).trim();
      return number === '' ? { failure: '<Number> is empty' } : { noun: 'Number', number, ...reported() };
    }
    case 'Sip': {
      const uri = ownText(noun).trim();
      if (!/^sips?:/i.test(uri)) return { failure: `<Sip> "${uri}" is not a sip: or sips: URI` };
      const username = textAttribute(noun, 'username');
      const password = noun.attributes.get('password');
      return {
        noun: 'Sip',
        uri,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined || username === undefined ? {} : { password }),
        ...reported(),
      };
    }
    case 'Client': {
      // Both <Client>alice</Client> and <Client><Identity>alice</Identity></Client> name a client.
      const identityElement = childElements(noun).find((child) => child.name === 'Identity');
      const identity = (identityElement === undefined ? ownText(noun) : ownText(identityElement)).trim();
      return identity === '' ? { failure: '<Client> names no identity' } : { noun: 'Client', identity, ...reported() };
    }
    default:
      return { noun: 'Unsupported', name: noun.name };
  }
}
