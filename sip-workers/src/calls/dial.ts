// <Dial>: rings its nouns at once until one answers, within the verb's timeout.
// Numbers go out through the outbound trunks (longest prefix, priority, weight, failover);
// <Sip> goes to the URI itself. What the caller hears on failure is decided here.
import { createHash } from 'node:crypto';
import type { DialOutcome, DialTarget as LegTarget, LegObserver } from '../b2bua/outgoing-leg.ts';
import { authorizationFor, digestChallengeOf } from '../auth/digest-client.ts';
import type { DigestCredential } from '../../../api/routing/schema.ts';
import { mayPresentCallerId } from '../router/outbound/caller-id.ts';
import { normalizeDialedNumber } from '../router/outbound/number-normalization.ts';
import { planOutboundAttempts } from '../router/outbound/outbound-plan.ts';
import { nextAction, whenAllTrunksFail } from '../router/outbound/failover.ts';
import type { AttemptOutcome } from '../router/outbound/failover.ts';
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import type { Destination } from '../sip/transport.ts';
import { parseUri } from '../sip/uri.ts';
import type { SipUri } from '../sip/uri.ts';
import type { DialTarget as DialNoun, DialVerb } from '../twiml/twiml-verbs.ts';
import type { CallContext } from './call-context.ts';
import { calleeLegTarget } from './callee-leg-target.ts';
import { dialClient } from './dial-client.ts';
import { DialedCall } from './dialed-call.ts';
import { failure, failureOf } from './dial-result.ts';
import type { DialFailure, DialResult } from './dial-result.ts';
import { dialLocated } from './located-dial.ts';
import type { LocatingContext } from './located-dial.ts';
import { sipServerOf, trunkServerOf } from './sip-destination.ts';
import { sipNounRequest } from './sip-noun-request.ts';

const attemptOutcome = (outcome: Exclude<DialOutcome, { kind: 'answered' }>): AttemptOutcome =>
  outcome.kind === 'rejected' ? { kind: 'response', status: outcome.status } : outcome.kind === 'timeout' ? { kind: 'timeout' } : { kind: 'transport-error' };

/** Answers a 401/407 with a credential, or leaves it unanswered. */
function challengeAnswerer(credential: (realm: string) => DigestCredential | undefined) {
  return (challenge: SipResponse, request: SipRequest): HeaderField | undefined => {
    const offered = digestChallengeOf(challenge);
    const realm = offered?.challenge.params.get('realm');
    const stored = realm === undefined ? undefined : credential(realm);
    if (!offered || !stored) return undefined;
    const answer = authorizationFor({ challenge: offered.challenge, challengeHeader: offered.challengeHeader, method: request.method, uri: request.uri, credential: stored });
    return answer.ok ? { name: answer.name, value: answer.value } : undefined;
  };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** Answers a challenge for any realm with a username and password given in plain (a <Sip> noun's, the REST API's SipAuthUsername). */
const passwordChallengeAnswerer = (username: string, password: string) => challengeAnswerer((realm) => ({ username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: '' }));

/** What is left of the <Dial>'s timeout: each leg rings only that long, so failing over never makes the whole <Dial> ring longer. */
const ringTimeLeft = (deadline: number) => deadline - Date.now();

const noAnswer = () => failure(480, 'Temporarily Unavailable - No Answer');

/** The leg to each server dialLocated tries, ringing for what is left of the <Dial> when it starts. */
const ringingLeg = (base: Omit<LegTarget, 'destination'>, deadline: number) => (destination: Destination): LegTarget => ({ ...base, destination, ringTimeoutMs: Math.max(1, ringTimeLeft(deadline)) });

/** What dialing through the carrier's outbound trunks needs: where to ring, and the routing that picks the trunks. */
export type TrunkDialing = LocatingContext & Pick<CallContext, 'view'>;

export type TrunkAnswer = { kind: 'answered'; outcome: Extract<DialOutcome, { kind: 'answered' }>; trunk: string };

/**
 * Rings a number through the outbound trunks its longest prefix picks, by priority and weight,
 * failing over as each trunk's stop list allows, until one answers or the deadline passes.
 * `leg` starts each trunk's INVITE (its Request-URI from the trunk's dial string).
 */
export async function dialThroughTrunks(context: TrunkDialing, number: string, callerId: string, deadline: number, leg: (requestUri: SipUri, callerId: string) => Omit<LegTarget, 'destination'>): Promise<TrunkAnswer | DialFailure> {
  const { view } = context;
  const plan = planOutboundAttempts(number, view.outboundTrunkCandidates(number.replace(/^\+/, '')), view.carrier, context.settings.random, (trunk) => context.settings.isTrunkDown(trunk.name));
  for (const skipped of plan.skipped) context.log.info({ trunk: skipped.trunk.name, reason: skipped.reason }, 'outbound trunk skipped');
  if (plan.down.length > 0) context.log.info({ trunks: plan.down.map((trunk) => trunk.name) }, 'outbound trunks down by their health checks: tried last');
  const outcomes: AttemptOutcome[] = [];
  const failures: DialFailure[] = [];
  for (const { trunk, requestUri } of plan.attempts) {
    if (ringTimeLeft(deadline) <= 0) return noAnswer();
    const credential = view.outboundTrunkCredential(trunk.name);
    const answerChallenge = challengeAnswerer((realm) => (credential?.realm === realm ? credential : undefined));
    const base = { ...leg(requestUri, trunk.callerIdOverride ?? callerId), answerChallenge };
    // A code on the trunk's stop list stops here too: no other address of the trunk is tried.
    const outcome = await dialLocated(context, trunkServerOf(trunk), ringingLeg(base, deadline), (failed) => failed.kind === 'answered' || nextAction(attemptOutcome(failed), trunk) !== 'stop');
    context.metrics.trunkAttempts.inc({ trunk: trunk.name, outcome: outcome.kind === 'rejected' ? String(outcome.status) : outcome.kind });
    if (outcome.kind === 'answered') return { kind: 'answered', outcome, trunk: trunk.name };
    const failed = failureOf(outcome);
    if (outcome.kind === 'no-answer' || outcome.kind === 'cancelled' || outcome.kind === 'media-unavailable') return failed;
    const attempt = attemptOutcome(outcome);
    if (nextAction(attempt, trunk) === 'stop') return failed;
    context.log.info({ trunk: trunk.name, status: failed.status }, 'outbound trunk failed; trying the next');
    outcomes.push(attempt);
    failures.push(failed);
  }
  const verdict = whenAllTrunksFail(outcomes);
  return verdict.kind === 'relay' ? (failures[verdict.attempt] ?? failure(500, 'Server Internal Error')) : failure(verdict.status, verdict.reason);
}

/** The caller ID each noun presents: a <Number>'s goes to the PSTN, and is held to Twilio's rule; a <Sip>'s or <Client>'s is the <Dial callerId> as given. */
interface CallerIds {
  pstn: string;
  other: string;
}

/**
 * The caller ID a <Number> presents to the PSTN: the <Dial callerId> when Twilio's rule allows it
 * (caller-id.ts), else the calling number, with Twilio's warning 13214 in the log.
 */
function pstnCallerId(context: CallContext, verb: Pick<DialVerb, 'callerId'>): string {
  const { call, view } = context;
  if (verb.callerId === undefined || mayPresentCallerId(verb.callerId, { from: call.from, to: call.to, account: call.account.name }, view)) return verb.callerId ?? call.from;
  context.log.warn({ callerId: verb.callerId, presented: call.from, code: 13214 }, '<Dial callerId> is neither the calling nor the called number nor one of the account\'s: the calling number is presented');
  return call.from;
}

async function dialNumber(context: CallContext, text: string, callerId: string, deadline: number, observer: LegObserver | undefined): Promise<DialResult> {
  const number = normalizeDialedNumber(text, context.view.carrier);
  if (number === undefined) return failure(484, 'Address Incomplete - Not A Number');
  const result = await dialThroughTrunks(context, number, callerId, deadline, (requestUri, presented) => ({ ...calleeLegTarget(context, requestUri, presented, ringTimeLeft(deadline)), ...(observer ? { observer } : {}) }));
  if (result.kind !== 'answered') return result;
  if (context.session.connect(result.outcome)) context.connected = { kind: 'trunk', trunk: result.trunk, number };
  return { kind: 'answered' };
}

/**
 * Rings a SIP URI (a <Sip> noun, or the To of a call the REST API places) at the servers its host
 * locates: the headers its URI carries go on the INVITE, and a challenge is answered with the
 * username and password given. `leg` starts the INVITE to the URI without its headers.
 */
export async function dialSipUri(context: LocatingContext, text: string, credentials: { username?: string | undefined; password?: string | undefined }, deadline: number, leg: (requestUri: SipUri) => Omit<LegTarget, 'destination'>): Promise<{ kind: 'answered'; outcome: Extract<DialOutcome, { kind: 'answered' }> } | DialFailure> {
  const parsed = parseUri(text);
  if (!parsed.ok || parsed.value.kind !== 'sip') return failure(416, 'Unsupported URI Scheme');
  const { requestUri: uri, headers, refused } = sipNounRequest(parsed.value);
  if (refused.length > 0) context.log.warn({ headers: refused }, 'SIP URI headers not passed on: only X- (not X-Switchyard-) and User-to-User, each on one line');
  const server = sipServerOf(uri);
  if (!server) return failure(416, 'Unsupported URI Scheme - Transport Not Supported');
  const { username, password } = credentials;
  const start = leg(uri);
  const base: Omit<LegTarget, 'destination'> = {
    ...start,
    headers: [...(start.headers ?? []), ...headers],
    ...(username !== undefined && password !== undefined ? { answerChallenge: passwordChallengeAnswerer(username, password) } : {}),
  };
  const outcome = await dialLocated(context, server, ringingLeg(base, deadline));
  return outcome.kind === 'answered' ? { kind: 'answered', outcome } : failureOf(outcome);
}

async function dialSip(context: CallContext, noun: Extract<DialNoun, { noun: 'Sip' }>, callerId: string, deadline: number, observer: LegObserver | undefined): Promise<DialResult> {
  const result = await dialSipUri(context, noun.uri, noun, deadline, (uri) => ({ ...calleeLegTarget(context, uri, callerId, ringTimeLeft(deadline)), ...(observer ? { observer } : {}) }));
  if (result.kind !== 'answered') return result;
  if (context.session.connect(result.outcome)) context.connected = { kind: 'sip', uri: noun.uri };
  return { kind: 'answered' };
}

function dialNoun(context: CallContext, noun: DialNoun, callerId: string, deadline: number, answeredElsewhere: AbortSignal, observer?: LegObserver): Promise<DialResult> {
  if (ringTimeLeft(deadline) <= 0) return Promise.resolve(noAnswer());
  if (noun.noun === 'Number') return dialNumber(context, noun.number, callerId, deadline, observer);
  if (noun.noun === 'Sip') return dialSip(context, noun, callerId, deadline, observer);
  if (noun.noun === 'Client') return dialClient(context, noun.identity, callerId, deadline, answeredElsewhere, observer);
  context.log.info({ noun: noun.noun }, '<Dial> noun not supported yet; skipped');
  return Promise.resolve(failure(480, `Temporarily Unavailable - ${noun.noun} Not Supported`));
}

/**
 * What the caller hears when no noun answered: a 6xx that declined for everyone (the others were
 * cancelled because of it), else our cancellation, else a relay failure, else the one outcome
 * they share, else no answer if any rang out, else the first noun's.
 */
function combinedFailure(failures: readonly DialFailure[]): DialFailure {
  const first = failures[0] ?? failure(404, 'Not Found - Nothing To Dial');
  return failures.find((f) => f.status >= 600)
    ?? failures.find((f) => f.callStatus === 'canceled')
    ?? failures.find((f) => f.mediaRelayFailed)
    ?? (failures.every((f) => f.status === first.status) ? first : undefined)
    ?? failures.find((f) => f.callStatus === 'no-answer')
    ?? first;
}

/** Why the other nouns stop once one answers: abort() without a reason builds a DOMException and its stack. */
const anotherNounAnswered = new Error('another noun of the <Dial> answered');
const redirectedAway = new Error('the call was redirected through the REST API');

/** The To of the call a noun makes: what the noun names, as Twilio's child call has it. */
const dialedParty = (noun: Exclude<DialNoun, { noun: 'Unsupported' }>): string => (noun.noun === 'Number' ? noun.number : noun.noun === 'Sip' ? noun.uri : `client:${noun.identity}`);

/** A noun rung as a call of its own (dialed-call.ts): the ledger and the noun's statusCallback follow it. */
async function dialReportedNoun(context: CallContext, noun: DialNoun, callerIds: CallerIds, deadline: number, answeredElsewhere: AbortSignal): Promise<DialResult> {
  const callerId = noun.noun === 'Number' ? callerIds.pstn : callerIds.other;
  if (noun.noun === 'Unsupported') return dialNoun(context, noun, callerId, deadline, answeredElsewhere);
  const dialed = new DialedCall(context, noun.statusCallback, { from: callerId, to: dialedParty(noun) });
  const result = await dialNoun(context, noun, callerId, deadline, answeredElsewhere, dialed.observer);
  if (result.kind === 'answered') dialed.connected(context.session.ended);
  else dialed.failed(result);
  return { ...result, dialCallSid: dialed.callSid };
}

/**
 * Rings every noun at once, as Twilio does: the first to answer is connected and the session
 * cancels the others (a noun's next trunk or phone is then not tried). Each noun still goes
 * through its own trunks, or its user's phones, one after another.
 */
export async function dial(context: CallContext, verb: DialVerb): Promise<DialResult> {
  const deadline = Date.now() + verb.timeout * 1000;
  const other = verb.callerId ?? context.call.from;
  const callerIds: CallerIds = { other, pstn: verb.targets.some((noun) => noun.noun === 'Number') ? pstnCallerId(context, verb) : other };
  // Once one noun answers, a <Client> still waiting for a pushed phone to register stops waiting;
  // so does every noun when the call is redirected, and the legs ringing are cancelled.
  const oneAnswered = new AbortController();
  const dialOver = context.redirects?.whileDialing(() => {
    oneAnswered.abort(redirectedAway);
    context.session.cancelDials();
  });
  const results = await Promise.all(verb.targets.map(async (noun) => {
    const result = await dialReportedNoun(context, noun, callerIds, deadline, oneAnswered.signal);
    if (result.kind === 'answered') oneAnswered.abort(anotherNounAnswered);
    return result;
  })).finally(dialOver);
  const answered = results.find((result) => result.kind === 'answered');
  if (answered && verb.timeLimit !== undefined) context.session.limitAnsweredTo(verb.timeLimit * 1000);
  return answered ?? combinedFailure(results.filter((result): result is DialFailure => result.kind === 'failed'));
}
