// <Dial>: rings its nouns at once until one answers, within the verb's timeout.
// Numbers go out through the outbound trunks (longest prefix, priority, weight, failover);
// <Sip> goes to the URI itself. What the caller hears on failure is decided here.
import { createHash } from 'node:crypto';
import type { DialOutcome, DialTarget as LegTarget } from '../b2bua/outgoing-leg.ts';
import { authorizationFor, digestChallengeOf } from '../auth/digest-client.ts';
import type { DigestCredential } from '../../../api/routing/schema.ts';
import type { ClientTarget } from '../registrar/client-targets.ts';
import { normalizeDialedNumber } from '../router/outbound/number-normalization.ts';
import { planOutboundAttempts } from '../router/outbound/outbound-plan.ts';
import { nextAction, whenAllTrunksFail } from '../router/outbound/failover.ts';
import type { AttemptOutcome } from '../router/outbound/failover.ts';
import type { HeaderField, SipRequest, SipResponse } from '../sip/message.ts';
import { headerValue } from '../sip/message.ts';
import { maxForwardsHeader } from '../sip/scalar-headers.ts';
import { parseUri } from '../sip/uri.ts';
import type { SipUri } from '../sip/uri.ts';
import type { DialTarget as DialNoun, DialVerb } from '../twiml/twiml-verbs.ts';
import type { CallContext } from './call-context.ts';
import { wakeable, wakeClient } from './push-wake.ts';
import { sipDestination } from './sip-destination.ts';

export type DialCallStatus = 'busy' | 'no-answer' | 'failed' | 'canceled';
export interface DialFailure {
  kind: 'failed';
  callStatus: DialCallStatus;
  status: number;
  reason: string;
  /** The media relay failed: no other trunk or noun is tried, since each would meet the same relay. */
  mediaRelayFailed?: true;
}
export type DialResult = { kind: 'answered' } | DialFailure;

const failure = (status: number, reason: string): DialFailure => ({
  kind: 'failed',
  callStatus: status === 486 || status === 600 ? 'busy' : status === 487 ? 'canceled' : status === 480 || status === 408 ? 'no-answer' : 'failed',
  status,
  reason,
});

function failureOf(outcome: Exclude<DialOutcome, { kind: 'answered' }>): DialFailure {
  switch (outcome.kind) {
    case 'rejected':
      return failure(outcome.status, outcome.reason);
    case 'no-answer':
      return failure(480, 'Temporarily Unavailable - No Answer');
    case 'timeout':
      return failure(408, 'Request Timeout');
    case 'transport-error':
      return failure(503, 'Service Unavailable - Unreachable');
    case 'cancelled':
      return failure(487, 'Request Terminated');
    case 'media-unavailable':
      return { ...failure(503, 'Service Unavailable - Media Relay Unavailable'), mediaRelayFailed: true };
  }
}

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

function baseTarget(context: CallContext, requestUri: SipUri, callerId: string, ringTimeoutMs: number): Omit<LegTarget, 'destination'> {
  const invite = context.session.callerInvite;
  const callerUser = callerId.replace(/^sips?:/, '').split('@')[0] ?? callerId;
  const contentType = headerValue(invite, 'Content-Type');
  return {
    requestUri,
    from: { uri: { kind: 'sip', scheme: 'sip', user: callerUser, host: context.settings.localHost, params: new Map(), headers: [] }, params: new Map() },
    to: { uri: requestUri, params: new Map() },
    maxForwards: Math.max(0, (maxForwardsHeader(invite) ?? 70) - 1),
    ringTimeoutMs,
    progressTimeoutMs: context.settings.trunkProgressTimeoutMs,
    headers: [{ name: 'X-Switchyard-Call-Sid', value: context.details.callSid }],
    body: invite.body,
    ...(contentType === undefined ? {} : { contentType }),
  };
}

async function dialNumber(context: CallContext, text: string, callerId: string, ringTimeoutMs: number): Promise<DialResult> {
  const { view } = context;
  const number = normalizeDialedNumber(text, view.carrier);
  if (number === undefined) return failure(484, 'Address Incomplete - Not A Number');
  const plan = planOutboundAttempts(number, view.outboundTrunkCandidates(number.replace(/^\+/, '')), view.carrier, context.settings.random, (trunk) => context.settings.isTrunkDown(trunk.name));
  for (const skipped of plan.skipped) context.log.info({ trunk: skipped.trunk.name, reason: skipped.reason }, 'outbound trunk skipped');
  if (plan.down.length > 0) context.log.info({ trunks: plan.down.map((trunk) => trunk.name) }, 'outbound trunks down by their health checks: tried last');
  const outcomes: AttemptOutcome[] = [];
  const failures: DialFailure[] = [];
  for (const { trunk, requestUri } of plan.attempts) {
    const credential = view.outboundTrunkCredential(trunk.name);
    const target: LegTarget = {
      ...baseTarget(context, requestUri, trunk.callerIdOverride ?? callerId, ringTimeoutMs),
      destination: { address: trunk.host, port: trunk.port, transport: trunk.transport },
      answerChallenge: challengeAnswerer((realm) => (credential?.realm === realm ? credential : undefined)),
    };
    const outcome = await context.session.dial(target);
    context.metrics.trunkAttempts.inc({ trunk: trunk.name, outcome: outcome.kind === 'rejected' ? String(outcome.status) : outcome.kind });
    if (outcome.kind === 'answered') {
      context.session.connect(outcome);
      return { kind: 'answered' };
    }
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

async function dialSip(context: CallContext, noun: Extract<DialNoun, { noun: 'Sip' }>, callerId: string, ringTimeoutMs: number): Promise<DialResult> {
  const parsed = parseUri(noun.uri);
  if (!parsed.ok || parsed.value.kind !== 'sip') return failure(416, 'Unsupported URI Scheme');
  const uri = parsed.value;
  const destination = sipDestination(uri);
  if (!destination) return failure(416, 'Unsupported URI Scheme - Transport Not Supported');
  const { username, password } = noun;
  const target: LegTarget = {
    ...baseTarget(context, uri, callerId, ringTimeoutMs),
    destination,
    ...(username !== undefined && password !== undefined
      ? { answerChallenge: challengeAnswerer((realm) => ({ username, realm, ha1: md5(`${username}:${realm}:${password}`), ha1b: '' })) }
      : {}),
  };
  const outcome = await context.session.dial(target);
  if (outcome.kind !== 'answered') return failureOf(outcome);
  context.session.connect(outcome);
  return { kind: 'answered' };
}

/**
 * Rings registered phones at once, as Twilio rings a Client's devices: the first to answer is
 * connected (the session cancels the others), and a 6xx from one declines for all of them (§16.7).
 * `stop` when the outcome holds for the user's other (pushed) phones too.
 */
async function ringTargets(context: CallContext, targets: readonly ClientTarget[], callerId: string, deadline: number): Promise<{ result: DialResult; stop: boolean }> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return { result: failure(480, 'Temporarily Unavailable - No Answer'), stop: true };
  const outcomes = await Promise.all(targets.map(async (target) => {
    const base = baseTarget(context, target.requestUri, callerId, remaining);
    const headers = target.route === undefined ? base.headers : [{ name: 'Route', value: target.route }, ...(base.headers ?? [])];
    const leg: LegTarget = { ...base, headers, to: { uri: target.aor, params: new Map() }, destination: target.destination, reachedBy: target.reachedBy };
    const outcome = await context.session.dial(leg);
    if (outcome.kind === 'answered') context.session.connect(outcome);
    else if (outcome.kind === 'rejected' && outcome.status >= 600) context.session.cancelDials();
    else if (outcome.kind !== 'cancelled') context.log.info({ contact: target.binding.uri, status: failureOf(outcome).status }, 'client binding did not answer');
    return outcome;
  }));
  if (outcomes.some((outcome) => outcome.kind === 'answered')) return { result: { kind: 'answered' }, stop: true };
  const declined = outcomes.find((outcome) => outcome.kind === 'rejected' && outcome.status >= 600);
  if (declined && declined.kind !== 'answered') return { result: failureOf(declined), stop: true };
  const failures = outcomes.filter((outcome): outcome is Exclude<DialOutcome, { kind: 'answered' }> => outcome.kind !== 'answered');
  const final = failures.find((outcome) => outcome.kind === 'no-answer' || outcome.kind === 'cancelled' || outcome.kind === 'media-unavailable');
  if (final) return { result: failureOf(final), stop: true };
  return { result: failures[0] ? clientFailureOf(failures[0]) : failure(480, 'Temporarily Unavailable - No Answer'), stop: false };
}

/**
 * A phone that cannot be reached (its flow closed, its address refused) is an unavailable user,
 * 480, not a server failure: a 503 would send the carrier's SBC failing over to another route.
 */
function clientFailureOf(outcome: Exclude<DialOutcome, { kind: 'answered' }>): DialFailure {
  if (outcome.kind === 'transport-error') return failure(480, 'Temporarily Unavailable - Unreachable');
  // RFC 5626 §11.6: 430 says the phone's flow on the replica that held it is gone; it is not the caller's to see.
  if (outcome.kind === 'rejected' && outcome.status === 430) return failure(480, 'Temporarily Unavailable - Flow Failed');
  return failureOf(outcome);
}

/**
 * A SipDomain user of the call's account: its registered phones all at once until one answers, a
 * 6xx refuses for all of them, or the <Dial> timeout runs out. Phones that
 * registered a push token are pushed and rung once they REGISTER again (push-wake.ts), after the
 * phones without one: their old flow is not trusted to reach a sleeping app.
 */
async function dialClient(context: CallContext, identity: string, callerId: string, deadline: number): Promise<DialResult> {
  const { registrar, push } = context;
  if (!registrar) return failure(480, 'Temporarily Unavailable - No Registrar');
  const callDomain = context.call.origin.kind === 'domain' ? context.call.origin.domain.domain : undefined;
  const targets = await registrar.clientTargets(identity, context.call.account.name, context.view, callDomain);
  if (targets === 'unavailable') return failure(480, 'Temporarily Unavailable - Registrar Unavailable');
  if (targets.length === 0) return failure(480, 'Temporarily Unavailable - Not Registered');
  const sleeping = push ? targets.filter(wakeable) : [];
  // A sleeping phone is woken whatever replica its old flow named; an awake one is rung through
  // its flow's replica, so only while that replica runs.
  const awake = await registrar.throughRunningEdges(targets.filter((target) => !sleeping.includes(target)));
  if (awake.length === 0 && sleeping.length === 0) return failure(480, 'Temporarily Unavailable - Flow Failed');
  let last: DialResult = failure(480, 'Temporarily Unavailable - No Answer');
  if (awake.length > 0) {
    const rung = await ringTargets(context, awake, callerId, deadline);
    if (rung.stop || sleeping.length === 0) return rung.result;
    last = rung.result;
  }
  if (!push || sleeping.length === 0) return last;
  const woken = await wakeClient(context, registrar, push, sleeping, deadline);
  switch (woken.kind) {
    case 'woken':
      return (await ringTargets(context, woken.targets, callerId, deadline)).result;
    case 'cancelled':
      return failure(487, 'Request Terminated');
    case 'timeout':
      return failure(480, 'Temporarily Unavailable - No Registration After Push');
    case 'push-failed':
      return awake.length > 0 ? last : failure(480, 'Temporarily Unavailable - Push Failed');
  }
}

function dialNoun(context: CallContext, noun: DialNoun, callerId: string, deadline: number): Promise<DialResult> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return Promise.resolve(failure(480, 'Temporarily Unavailable - No Answer'));
  if (noun.noun === 'Number') return dialNumber(context, noun.number, callerId, remaining);
  if (noun.noun === 'Sip') return dialSip(context, noun, callerId, remaining);
  if (noun.noun === 'Client') return dialClient(context, noun.identity, callerId, deadline);
  context.log.info({ noun: noun.noun }, '<Dial> noun not supported yet; skipped');
  return Promise.resolve(failure(480, `Temporarily Unavailable - ${noun.noun} Not Supported`));
}

/**
 * What the caller hears when no noun answered: the caller's own CANCEL, else a relay failure,
 * else the one outcome they share, else no answer if any rang out, else the first noun's.
 */
function combinedFailure(failures: readonly DialFailure[]): DialFailure {
  const first = failures[0] ?? failure(404, 'Not Found - Nothing To Dial');
  return failures.find((f) => f.callStatus === 'canceled')
    ?? failures.find((f) => f.mediaRelayFailed)
    ?? (failures.every((f) => f.status === first.status) ? first : undefined)
    ?? failures.find((f) => f.callStatus === 'no-answer')
    ?? first;
}

/**
 * Rings every noun at once, as Twilio does: the first to answer is connected and the session
 * cancels the others (a noun's next trunk or phone is then not tried). Each noun still goes
 * through its own trunks, or its user's phones, one after another.
 */
export async function dial(context: CallContext, verb: DialVerb): Promise<DialResult> {
  const deadline = Date.now() + verb.timeout * 1000;
  const callerId = verb.callerId ?? context.call.from;
  const results = await Promise.all(verb.targets.map((noun) => dialNoun(context, noun, callerId, deadline)));
  const answered = results.find((result) => result.kind === 'answered');
  return answered ?? combinedFailure(results.filter((result): result is DialFailure => result.kind === 'failed'));
}
