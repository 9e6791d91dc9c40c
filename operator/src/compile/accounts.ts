// Accounts come first: numbers and domains need their SIDs, tokens and enabled flags.
import type { AccountRoute } from '../../../api/routing/schema.ts';
import { accountSID, newAuthToken } from './credentials.ts';
import { names } from './names.ts';
import { controllerReference } from './owner.ts';
import { carrierMissing } from './policies.ts';
import { byAge, objectKey } from './observed.ts';
import type { CompileScope } from './scope.ts';
import { optional, webhook } from './values.ts';

export function compileAccounts(scope: CompileScope): void {
  for (const account of [...scope.observed.accounts].sort(byAge)) {
    const { namespace, name } = account.metadata;
    const carrierTables = scope.tablesOf(namespace, account.spec.carrierRef.name);
    const sid = accountSID(account.metadata.uid);
    const tokenSecretName = names.authTokenSecret(name);
    const unresolved = carrierMissing(scope.index, namespace, account.spec.carrierRef.name);
    const existingToken = scope.observed.secrets.get(`${namespace}/${tokenSecretName}`)?.data.authToken;
    let token = existingToken;
    if (!unresolved && existingToken === undefined) {
      // Published at once; if a Secret already existed unseen, the create is refused and the next
      // pass (woken by its watch event) publishes the stored token instead.
      token = newAuthToken(scope.context.randomBytes);
      scope.createOnly.push({
        apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
        metadata: { name: tokenSecretName, namespace, labels: { 'app.kubernetes.io/managed-by': 'switchyard', 'telecom.switchyard.dev/account': name }, ownerReferences: [controllerReference('Account', account.metadata)] },
        data: { accountSID: Buffer.from(sid).toString('base64'), authToken: Buffer.from(token).toString('base64') },
      });
    }
    if (carrierTables && token !== undefined) {
      const route: AccountRoute = { sid, enabled: account.spec.enabled, ...optional('voice', webhook(account.spec.voiceURL, account.spec.voiceMethod)), ...optional('statusCallback', webhook(account.spec.statusCallbackURL, account.spec.statusCallbackMethod)) };
      carrierTables.accounts.set(name, route);
      carrierTables.secrets.authTokens[sid] = token;
      carrierTables.members.accounts++;
    }
    const routed = account.spec.enabled ? 'In routing.' : 'In routing, disabled: calls to its numbers and domains are refused with 403.';
    scope.accountStatuses.push(() => scope.write('Account', account, { unresolved }, routed, {
      accountSID: sid, authTokenSecretRef: { name: tokenSecretName, key: 'authToken' }, phoneNumbers: scope.numbersPerAccount.get(objectKey(account.metadata)) ?? 0,
    }));
  }
}
