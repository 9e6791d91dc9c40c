// <Dial> and its nouns. A bare number as the verb's text is shorthand for one <Number>.
import {
  booleanAttribute, isFailure, methodAttribute, resolveWebhookUrl, secondsAttribute, textAttribute,
} from './twiml-attributes.ts';
import type { ReadContext, VerbFailure } from './twiml-attributes.ts';
import type { DialTarget, DialVerb } from './twiml-verbs.ts';
import { childElements, ownText } from './xml-parser.ts';
import type { XmlElement } from './xml-parser.ts';

// Twilio rings for 30 s by default and for at most 600 s.
const DIAL_TIMEOUT = { min: 1, max: 600, fallback: 30 };
// Twilio's default is 4 hours, which is also the worker's own limit by default; an unreadable
// value falls back to it as Twilio's warning 13216 says. A day at most, as for the REST API's TimeLimit.
const DIAL_TIME_LIMIT = { min: 1, max: 86_400, fallback: 14_400 };

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
    const target = readNoun(noun);
    if (isFailure(target)) return target;
    targets.push(target);
  }
  return targets;
}

function readNoun(noun: XmlElement): DialTarget | VerbFailure {
  switch (noun.name) {
    case 'Number': {
      const number = ownText(noun).trim();
      return number === '' ? { failure: '<Number> is empty' } : { noun: 'Number', number };
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
      };
    }
    case 'Client': {
      // Both <Client>alice</Client> and <Client><Identity>alice</Identity></Client> name a client.
      const identityElement = childElements(noun).find((child) => child.name === 'Identity');
      const identity = (identityElement === undefined ? ownText(noun) : ownText(identityElement)).trim();
      return identity === '' ? { failure: '<Client> names no identity' } : { noun: 'Client', identity };
    }
    default:
      return { noun: 'Unsupported', name: noun.name };
  }
}
