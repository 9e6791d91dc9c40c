// One owner per number within a carrier; the oldest PhoneNumber keeps it.
import type { NumberRoute } from '../../../api/routing/schema.ts';
import type { Finding } from './conditions.ts';
import { accountUnusable, carrierMissing, Claims } from './policies.ts';
import { byAge, objectKey, type ObservedObject } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional, webhook } from './values.ts';

export function compilePhoneNumbers(scope: CompileScope): void {
  const numberClaims = new Claims<ObservedObject<unknown>>('PhoneNumber', 'number');
  for (const number of [...scope.observed.phoneNumbers].sort(byAge)) {
    const { namespace } = number.metadata;
    const { carrierRef, accountRef } = number.spec;
    const unresolved = carrierMissing(scope.index, namespace, carrierRef.name) ?? accountUnusable(scope.index, namespace, carrierRef.name, accountRef?.name);
    const conflict = unresolved ? undefined : numberClaims.claim(`${namespace}/${carrierRef.name}/${number.spec.number}`, number, number.spec.number);
    const carrierTables = scope.tablesOf(namespace, carrierRef.name);
    const account = scope.routedAccount(namespace, carrierRef.name, accountRef?.name);
    const accountObject = accountRef ? scope.index.accounts.get(`${namespace}/${accountRef.name}`) : undefined;
    const notReady: Finding | undefined = accountRef && !account && !unresolved ? { reason: 'AccountNotRouted', message: `Account ${accountRef.name} is not in routing yet (see its conditions).` } : undefined;
    if (!unresolved && !conflict && carrierTables) {
      const route: NumberRoute = {
        type: number.spec.type, enabled: number.spec.enabled, ...optional('account', accountRef?.name),
        ...optional('voice', webhook(number.spec.voiceURL, number.spec.voiceMethod)), ...optional('fallback', webhook(number.spec.voiceFallbackURL, number.spec.voiceFallbackMethod)),
        ...optional('statusCallback', webhook(number.spec.statusCallbackURL, number.spec.statusCallbackMethod)),
      };
      carrierTables.numbers.set(number.spec.number, route);
      carrierTables.members.phoneNumbers++;
      if (accountObject) scope.numbersPerAccount.set(objectKey(accountObject.metadata), (scope.numbersPerAccount.get(objectKey(accountObject.metadata)) ?? 0) + 1);
    }
    const own = webhook(number.spec.voiceURL, number.spec.voiceMethod);
    const inherited = account?.voice;
    const resolvedWebhook = own ? { ...own, source: 'PhoneNumber' } : inherited ? { ...inherited, source: 'Account' } : undefined;
    const readyMessage = !accountRef ? 'In routing, unassigned: calls get 404 until it is assigned to an account.'
      : !number.spec.enabled ? 'In routing, disabled: calls get 404.'
      : account && !account.enabled ? `In routing, but Account ${accountRef.name} is disabled: calls get 403.`
      : `Routes to Account ${accountRef.name}${resolvedWebhook ? ` (${resolvedWebhook.method} ${resolvedWebhook.url})` : ', which has no voice URL: calls are rejected'}.`;
    scope.write('PhoneNumber', number, { unresolved, conflict, notReady }, readyMessage, {
      ...optional('account', accountRef?.name), ...optional('accountSID', account?.sid), ...optional('webhook', resolvedWebhook),
    });
  }
}
