// <Dial><Client>: a SipDomain user of the call's account, on every phone it registered. Phones
// awake (no push token) ring at once through their flows; phones asleep behind a push token
// (RFC 8599) are pushed at the same moment and rung once they REGISTER again (push-wake.ts), so
// a user's mobile app rings alongside the desk phone instead of after it has rung out. The first
// phone to answer is connected and the session cancels the others; a 6xx from one declines for
// all of them (§16.7) and, like an answer, ends the wait for the pushed phones.
import type { DialOutcome, DialTarget as LegTarget, LegObserver } from '../b2bua/outgoing-leg.ts';
import type { ClientTarget } from '../registrar/client-targets.ts';
import type { Registrar } from '../registrar/registrar.ts';
import type { CallContext } from './call-context.ts';
import { calleeLegTarget } from './callee-leg-target.ts';
import { cancelled, failure, failureOf } from './dial-result.ts';
import type { DialFailure, DialResult } from './dial-result.ts';
import { wakeable, wakeClient } from './push-wake.ts';
import type { PushCalls, WakeResult } from './push-wake.ts';

/** How ringing some of the user's phones ended; `stop` when that holds for the user's other phones too. */
interface Rung {
  result: DialResult;
  stop: boolean;
}

/** Rings these phones at once until one answers, one declines with a 6xx, or the deadline. */
async function ringTargets(context: CallContext, identity: string, targets: readonly ClientTarget[], callerId: string, deadline: number, observer: LegObserver | undefined): Promise<Rung> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) return { result: failure(480, 'Temporarily Unavailable - No Answer'), stop: true };
  const outcomes = await Promise.all(targets.map(async (target) => {
    const base = calleeLegTarget(context, target.requestUri, callerId, remaining);
    const headers = target.route === undefined ? base.headers : [{ name: 'Route', value: target.route }, ...(base.headers ?? [])];
    const leg: LegTarget = { ...base, headers, to: { uri: target.aor, params: new Map() }, destination: target.destination, reachedBy: target.reachedBy, ...(observer ? { observer } : {}) };
    const outcome = await context.session.dial(leg);
    if (outcome.kind === 'answered') {
      if (context.session.connect(outcome)) context.connected = { kind: 'client', identity };
    } else if (outcome.kind === 'rejected' && outcome.status >= 600) context.session.cancelDials();
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

/** How the pushed phones ended: rung once woken, or the wake's own end. */
type Woke = ({ kind: 'rung' } & Rung) | Exclude<WakeResult, { kind: 'woken' }>;

interface Waking {
  identity: string;
  registrar: Registrar;
  push: PushCalls;
  sleeping: readonly ClientTarget[];
  /** Rung already: a REGISTER refreshing one of these during the wait is not a woken phone. */
  awake: readonly ClientTarget[];
  /** Aborted when the call no longer waits: the caller left, or a phone answered or declined. */
  signal: AbortSignal;
}

async function wakeThenRing(context: CallContext, waking: Waking, callerId: string, deadline: number, observer: LegObserver | undefined): Promise<Woke> {
  const woken = await wakeClient(context, waking.registrar, waking.push, waking.sleeping, deadline, { signal: waking.signal, alreadyRinging: waking.awake });
  if (woken.kind !== 'woken') return woken;
  // An awake phone may have answered or declined while the woken one registered.
  if (waking.signal.aborted) return { kind: 'cancelled' };
  return { kind: 'rung', ...(await ringTargets(context, waking.identity, woken.targets, callerId, deadline, observer)) };
}

const isDecline = (result: DialResult | undefined) => result?.kind === 'failed' && result.status >= 600;

/** One answer for the user from its awake phones' ringing and its pushed phones' wake. */
function clientResult(rung: Rung | undefined, woke: Woke | undefined, callerLeft: boolean): DialResult {
  const wokeRung = woke?.kind === 'rung' ? woke : undefined;
  if (rung?.result.kind === 'answered' || wokeRung?.result.kind === 'answered') return { kind: 'answered' };
  if (callerLeft) return cancelled();
  // A 6xx from either side cancelled the other's phones: the decline is the answer, not the 487 that caused.
  if (isDecline(wokeRung?.result)) return wokeRung?.result ?? failure(603, 'Decline');
  if (rung?.stop) return rung.result;
  if (wokeRung) return wokeRung.result;
  if (woke?.kind === 'timeout') return failure(480, 'Temporarily Unavailable - No Registration After Push');
  if (rung) return rung.result;
  return woke?.kind === 'push-failed' ? failure(480, 'Temporarily Unavailable - Push Failed') : cancelled();
}

/** The reason the other phones stop: abort() without one builds a DOMException and its stack. */
const clientSettled = new Error('a phone of the <Client> answered or declined');

/**
 * Rings the user's phones and wakes its sleeping ones at once, until one answers, a 6xx declines,
 * or the <Dial> deadline. `answeredElsewhere` aborts when another noun of the <Dial> answered.
 */
export async function dialClient(context: CallContext, identity: string, callerId: string, deadline: number, answeredElsewhere: AbortSignal, observer?: LegObserver): Promise<DialResult> {
  const { registrar, push } = context;
  if (!registrar) return failure(480, 'Temporarily Unavailable - No Registrar');
  const callDomain = context.call.origin.kind === 'domain' ? context.call.origin.domain.domain : undefined;
  const targets = await registrar.clientTargets(identity, context.call.account.name, context.view, callDomain);
  if (targets === 'unavailable') return failure(480, 'Temporarily Unavailable - Registrar Unavailable');
  if (targets.length === 0) return failure(480, 'Temporarily Unavailable - Not Registered');
  // Their old flow is not trusted to reach a sleeping app: it is pushed, whatever replica held it.
  const sleeping = push ? targets.filter(wakeable) : [];
  // An awake phone is rung through its flow's replica, so only while that replica runs.
  const awake = await registrar.throughRunningEdges(targets.filter((target) => !sleeping.includes(target)));
  if (awake.length === 0 && sleeping.length === 0) return failure(480, 'Temporarily Unavailable - Flow Failed');
  const settled = new AbortController();
  const settles = <T extends Rung | Woke>(outcome: T): T => {
    if ('stop' in outcome && outcome.stop) settled.abort(clientSettled);
    return outcome;
  };
  const [rung, woke] = await Promise.all([
    awake.length === 0 ? undefined : ringTargets(context, identity, awake, callerId, deadline, observer).then(settles),
    push === undefined || sleeping.length === 0
      ? undefined
      : wakeThenRing(context, { identity, registrar, push, sleeping, awake, signal: AbortSignal.any([context.signal, answeredElsewhere, settled.signal]) }, callerId, deadline, observer).then(settles),
  ]);
  return clientResult(rung, woke, context.signal.aborted);
}
