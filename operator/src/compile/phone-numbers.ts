// One owner per number within a carrier; the oldest PhoneNumber keeps it. A "claim" is one
// (namespace, carrier, number): the PhoneNumbers that claim it are compiled together, so a change
// to one number recompiles its claim (usually itself alone), never every number.
import type { AccountRoute, NumberRoute } from '../../../api/routing/schema.ts';
import type { Finding } from './conditions.ts';
import { accountUnusable, carrierMissing, Claims } from './policies.ts';
import { byAge, type PhoneNumberObject } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional, webhook } from './values.ts';

/** Kept for every number, so built flat (join) rather than as a template literal's chain of pieces. */
export const claimKeyOf = (number: PhoneNumberObject) => [number.metadata.namespace, number.spec.carrierRef.name, number.spec.number].join('/');
export const carrierKeyOf = (number: PhoneNumberObject) => `${number.metadata.namespace}/${number.spec.carrierRef.name}`;
/** The Account a number counts towards (`namespace/name`), if it names one. */
export const accountKeyOf = (number: PhoneNumberObject) => (number.spec.accountRef ? `${number.metadata.namespace}/${number.spec.accountRef.name}` : undefined);

/** Why a number cannot be routed, whatever other numbers do: its carrier or account. */
function unresolvedOf(scope: CompileScope, number: PhoneNumberObject): Finding | undefined {
  const { namespace } = number.metadata;
  const { carrierRef, accountRef } = number.spec;
  return carrierMissing(scope.index, namespace, carrierRef.name) ?? accountUnusable(scope.index, namespace, carrierRef.name, accountRef?.name);
}

export function numberRoute(number: PhoneNumberObject): NumberRoute {
  const { spec } = number;
  return {
    type: spec.type, enabled: spec.enabled, ...optional('account', spec.accountRef?.name),
    ...optional('voice', webhook(spec.voiceURL, spec.voiceMethod)), ...optional('fallback', webhook(spec.voiceFallbackURL, spec.voiceFallbackMethod)),
    ...optional('statusCallback', webhook(spec.statusCallbackURL, spec.statusCallbackMethod)),
  };
}

/** The number's own voice webhook, else the one it inherits from its account. */
function resolvedWebhook(number: PhoneNumberObject, account: AccountRoute | undefined) {
  const own = webhook(number.spec.voiceURL, number.spec.voiceMethod);
  if (own) return { ...own, source: 'PhoneNumber' };
  return account?.voice ? { ...account.voice, source: 'Account' } : undefined;
}

function readyMessage(number: PhoneNumberObject, account: AccountRoute | undefined, hook: { url: string; method: string } | undefined): string {
  const { accountRef, enabled } = number.spec;
  if (!accountRef) return 'In routing, unassigned: calls get 404 until it is assigned to an account.';
  if (!enabled) return 'In routing, disabled: calls get 404.';
  if (account && !account.enabled) return `In routing, but Account ${accountRef.name} is disabled: calls get 403.`;
  return `Routes to Account ${accountRef.name}${hook ? ` (${hook.method} ${hook.url})` : ', which has no voice URL: calls are rejected'}.`;
}

function writeStatus(scope: CompileScope, number: PhoneNumberObject, unresolved: Finding | undefined, conflict: Finding | undefined): void {
  const { namespace } = number.metadata;
  const { carrierRef, accountRef } = number.spec;
  const account = scope.routedAccount(namespace, carrierRef.name, accountRef?.name);
  const notReady: Finding | undefined = accountRef && !account && !unresolved ? { reason: 'AccountNotRouted', message: `Account ${accountRef.name} is not in routing yet (see its conditions).` } : undefined;
  const hook = resolvedWebhook(number, account);
  scope.write('PhoneNumber', number, { unresolved, conflict, notReady }, readyMessage(number, account, hook), {
    ...optional('account', accountRef?.name), ...optional('accountSID', account?.sid), ...optional('webhook', hook),
  });
}

/**
 * Compiles the PhoneNumbers of one claim: the oldest that resolves is routed, every later one gets
 * a Conflict naming it. Writes their statuses; returns the routed one, if any.
 */
export function compileClaim(scope: CompileScope, claimants: PhoneNumberObject[]): PhoneNumberObject | undefined {
  const claims = new Claims<PhoneNumberObject>('PhoneNumber', 'number');
  let routed: PhoneNumberObject | undefined;
  for (const number of claimants.length > 1 ? [...claimants].sort(byAge) : claimants) {
    const unresolved = unresolvedOf(scope, number);
    const conflict = unresolved ? undefined : claims.claim(claimKeyOf(number), number, number.spec.number);
    if (!unresolved && !conflict) routed = number;
    writeStatus(scope, number, unresolved, conflict);
  }
  return routed;
}
