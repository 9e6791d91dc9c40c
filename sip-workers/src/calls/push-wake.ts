// A <Client> whose phone sleeps (RFC 8599; Sipwise's mobile push flow): its binding carries a
// push token and its flow may be long dead (an app the OS suspended keeps no connection). The
// caller hears ringing at once, each such device is pushed once through the push service, and
// the call waits for a REGISTER of the user's AOR after the push (through any replica); the
// woken phone is then rung through the flow that REGISTER came over. No REGISTER in time: 480.
// The user's awake phones ring meanwhile (dial-client.ts); one answering ends the wait.
import type { PushClient } from '../push/push-client.ts';
import { PUSH_PROVIDERS } from '../push/push-request.ts';
import type { PushRequest } from '../push/push-request.ts';
import type { ClientTarget } from '../registrar/client-targets.ts';
import { registrationMark } from '../registrar/registration-wait.ts';
import type { Registrar } from '../registrar/registrar.ts';
import type { CallContext } from './call-context.ts';

export interface PushCalls {
  client: PushClient;
  /** How long a call waits for the pushed phone's REGISTER (SWITCHYARD_PUSH_REGISTRATION_TIMEOUT_SECONDS). */
  registrationTimeoutMs: number;
  /** Between lookups of the store while waiting; default 200 ms. */
  pollIntervalMs?: number;
}

/** A binding the push service can wake: a provider it serves and a device token. */
export function wakeable(target: ClientTarget): boolean {
  const push = target.binding.push;
  return push !== undefined && push.prid !== undefined && PUSH_PROVIDERS.has(push.provider);
}

export type WakeResult =
  | { kind: 'woken'; targets: ClientTarget[] }
  /** No push was sent (each failed, or the provider no longer knows the device). */
  | { kind: 'push-failed' }
  | { kind: 'timeout' }
  | { kind: 'cancelled' };

const aorOf = (target: ClientTarget) => ({ domain: target.aor.host, user: target.aor.user ?? '' });

export interface WakeOptions {
  /** Aborted when the call stops waiting: the caller left, or another phone answered or declined. */
  signal: AbortSignal;
  /** The user's phones rung meanwhile: a REGISTER refreshing one of them is not the woken phone. */
  alreadyRinging: readonly ClientTarget[];
}

export async function wakeClient(context: CallContext, registrar: Registrar, push: PushCalls, targets: readonly ClientTarget[], deadline: number, options: WakeOptions): Promise<WakeResult> {
  const { signal } = options;
  const waitMs = Math.min(push.registrationTimeoutMs, deadline - Date.now());
  if (waitMs <= 0) return { kind: 'timeout' };
  // Early feedback: waking an app takes seconds, and a silent caller gives up or retransmits.
  context.session.ring();
  // Taken before the push goes out, so a REGISTER racing the push's answer still counts.
  const known = new Set(targets.map((target) => registrationMark(target.binding)));
  const devices = new Map<string, ClientTarget>();
  for (const target of targets) devices.set(`${target.binding.push?.provider ?? ''}\u0000${target.binding.push?.prid ?? ''}`, target);
  const started = Date.now();
  const outcomes = await Promise.all([...devices.values()].map(async (target) => {
    const outcome = await push.client.wake(pushRequest(context, target, waitMs), signal);
    if (outcome === 'unregistered') {
      await registrar.forget(aorOf(target), target.binding).catch((error: unknown) => context.log.warn({ err: error }, 'could not drop a binding whose push token is unregistered'));
    }
    return outcome;
  }));
  if (!outcomes.includes('sent') && !signal.aborted) return { kind: 'push-failed' };
  const aors = [...new Map(targets.map((target) => aorOf(target)).map((aor) => [`${aor.user}@${aor.domain}`, aor])).values()];
  const ringing = new Set(options.alreadyRinging.map((target) => target.binding.id));
  const waited = signal.aborted ? { kind: 'cancelled' as const } : await registrar.awaitRegistration(aors, {
    known,
    timeoutMs: Math.max(0, waitMs - (Date.now() - started)),
    signal,
    ...(push.pollIntervalMs === undefined ? {} : { intervalMs: push.pollIntervalMs }),
  }, ringing);
  push.client.metrics.waits.observe({ result: waited.kind }, (Date.now() - started) / 1000);
  context.log.info({ result: waited.kind, waitedMs: Date.now() - started }, 'waited for the pushed phone to REGISTER');
  return waited.kind === 'registered' ? { kind: 'woken', targets: waited.found } : waited;
}

function pushRequest(context: CallContext, target: ClientTarget, waitMs: number): Omit<PushRequest, 'carrier'> {
  const { provider, prid = '', param } = target.binding.push ?? { provider: '' };
  return {
    callId: context.details.callSid,
    provider: provider === 'fcm' ? 'fcm' : 'apns',
    prid,
    ...(param === undefined ? {} : { param }),
    from: context.call.from,
    ...(context.details.callerName === undefined ? {} : { displayName: context.details.callerName }),
    to: context.call.to,
    ttlSeconds: Math.min(300, Math.max(1, Math.ceil(waitMs / 1000))),
  };
}
