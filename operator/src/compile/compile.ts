// The pure compile step: observed objects in; desired objects, statuses and events out. No I/O,
// no clock, no randomness of its own: `now` and `randomBytes` come in, so the same input always
// gives the same output and the CLI can run it offline.
import type { AccountRoute, InboundTrunkRoute, NumberRoute, OutboundTrunkRoute, SipDomainRoute, WorkerSecrets } from '../../../api/routing/schema.ts';
import { routingFormat } from '../../../api/routing/schema.ts';
import { carrierStatus, type CarrierMembers } from './carrier-status.ts';
import { conditionsFor, standardConditions, type Finding } from './conditions.ts';
import { accountSID, compositeUsername, digestCredential, newAuthToken } from './credentials.ts';
import type { DesiredObject } from './desired.ts';
import { countryNumbering } from './country.ts';
import { inheritedLabels, names } from './names.ts';
import { byAge, objectKey, type CarrierObject, type Observed, type ObservedObject } from './observed.ts';
import { controllerReference } from './owner.ts';
import { accountUnusable, carrierMissing, Claims, secretKeyMissing, sipDomainBaseMissing, SourcePrefixClaims, type Index } from './policies.ts';
import type { CompileResult, ObjectRef } from './result.ts';
import { compileRouting, type CarrierTables } from './routing.ts';
import { StatusCollector } from './status-diff.ts';
import { carrierWorkloads } from './workloads/index.ts';

export interface CompileContext {
  now: Date;
  randomBytes: (size: number) => Uint8Array;
  images: { sipWorker: string; mediaRelay: string; pushService: string };
}

const refOf = (kind: string, object: ObservedObject<unknown>): ObjectRef => ({ kind, namespace: object.metadata.namespace, name: object.metadata.name, uid: object.metadata.uid });
const webhook = (url: string | undefined, method: 'POST' | 'GET') => (url ? { url, method } : undefined);
const fqdn = (name: string, region: string, base: string) => `${name}.sip-${region}.${base.replace(/\.$/, '')}`;

export function compile(observed: Observed, context: CompileContext): CompileResult {
  const index: Index = {
    carriers: new Map(observed.carriers.map((carrier) => [objectKey(carrier.metadata), carrier])),
    accounts: new Map(observed.accounts.map((account) => [objectKey(account.metadata), account])),
    secrets: observed.secrets,
  };
  const collector = new StatusCollector();
  const write = <S>(kind: string, object: ObservedObject<S>, findings: Parameters<typeof standardConditions>[0], readyMessage: string, extra: Record<string, unknown> = {}) => {
    const conditions = conditionsFor(standardConditions(findings, readyMessage), object.status?.conditions, object.metadata.generation, context.now);
    collector.add(refOf(kind, object), object.status, { observedGeneration: object.metadata.generation ?? 0, conditions, ...extra });
  };
  const tables = new Map<string, CarrierTables & { members: CarrierMembers }>();
  for (const carrier of observed.carriers) {
    const numbering = countryNumbering(carrier.spec.country);
    tables.set(objectKey(carrier.metadata), {
      carrier: {
        name: carrier.metadata.name,
        country: carrier.spec.country,
        callingCode: numbering.callingCode,
        nationalPrefix: numbering.nationalPrefix,
        ...(carrier.spec.sipDomainBase ? { sipDomainBase: carrier.spec.sipDomainBase } : {}),
        webhooks: carrier.spec.webhooks,
        mediaRelay: { enabled: carrier.spec.mediaRelay.enabled, symmetricLatching: carrier.spec.mediaRelay.symmetricLatching },
        ...(carrier.spec.push ? { push: { registrationTimeoutSeconds: carrier.spec.push.registrationTimeoutSeconds } } : {}),
      },
      accounts: new Map(),
      inboundTrunks: [],
      outboundTrunks: [],
      sipDomains: [],
      numbers: new Map(),
      secrets: { format: routingFormat, authTokens: {}, outboundTrunks: {}, sipDomains: {} } satisfies WorkerSecrets,
      members: { accounts: 0, phoneNumbers: 0, inboundTrunks: 0, outboundTrunks: 0, sipDomains: 0 },
    });
  }
  const tablesOf = (namespace: string, carrier: string) => tables.get(`${namespace}/${carrier}`);
  const createOnly: DesiredObject[] = [];

  // Accounts first: numbers and domains need their SIDs and enabled flags.
  const numbersPerAccount = new Map<string, number>();
  // An Account's status includes its number count, so it is written after the numbers are compiled.
  const accountStatuses: Array<() => void> = [];
  for (const account of [...observed.accounts].sort(byAge)) {
    const { namespace, name } = account.metadata;
    const carrierTables = tablesOf(namespace, account.spec.carrierRef.name);
    const sid = accountSID(account.metadata.uid);
    const tokenSecretName = names.authTokenSecret(name);
    const unresolved = carrierMissing(index, namespace, account.spec.carrierRef.name);
    const existingToken = observed.secrets.get(`${namespace}/${tokenSecretName}`)?.data.authToken;
    let token = existingToken;
    if (!unresolved && existingToken === undefined) {
      // Published at once; if a Secret already existed unseen, the create is refused and the next
      // pass (woken by its watch event) publishes the stored token instead.
      token = newAuthToken(context.randomBytes);
      createOnly.push({
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
    accountStatuses.push(() => write('Account', account, { unresolved }, routed, {
      accountSID: sid, authTokenSecretRef: { name: tokenSecretName, key: 'authToken' }, phoneNumbers: numbersPerAccount.get(objectKey(account.metadata)) ?? 0,
    }));
  }
  const routedAccount = (namespace: string, carrier: string, account: string | undefined) => (account === undefined ? undefined : tablesOf(namespace, carrier)?.accounts.get(account));

  // Inbound trunks: a source address names one trunk across every carrier; the oldest keeps it.
  const sourceClaims = new SourcePrefixClaims();
  for (const trunk of [...observed.inboundTrunks].sort(byAge)) {
    const { namespace, name } = trunk.metadata;
    const carrierName = trunk.spec.carrierRef.name;
    const unresolved = carrierMissing(index, namespace, carrierName) ?? accountUnusable(index, namespace, carrierName, trunk.spec.accountRef?.name);
    const { finding: conflict, prefixes } = unresolved ? { finding: undefined, prefixes: [] } : sourceClaims.claim(trunk.spec.sourceIPs, trunk.metadata, carrierName);
    const carrierTables = tablesOf(namespace, carrierName);
    if (!unresolved && !conflict && carrierTables) {
      const { stripPrefix, addPrefix, nationalToE164 } = trunk.spec.numberNormalization;
      const route: InboundTrunkRoute = {
        name, enabled: trunk.spec.enabled, sourceCIDRs: prefixes.map((prefix) => prefix.text),
        ...optional('account', trunk.spec.accountRef?.name),
        normalization: { ...optional('stripPrefix', stripPrefix), ...optional('addPrefix', addPrefix), nationalToE164 },
      };
      carrierTables.inboundTrunks.push(route);
      carrierTables.members.inboundTrunks++;
    }
    write('InboundTrunk', trunk, { unresolved, conflict }, trunk.spec.enabled ? `Admits calls from ${prefixes.map((p) => p.text).join(', ')}.` : 'In routing, disabled: calls from its sources are refused with 403.');
  }

  for (const trunk of [...observed.outboundTrunks].sort(byAge)) {
    const { namespace, name } = trunk.metadata;
    const credentials = trunk.spec.credentials;
    const unresolved = carrierMissing(index, namespace, trunk.spec.carrierRef.name) ?? (credentials ? secretKeyMissing(index, namespace, credentials.passwordSecretRef, `password of OutboundTrunk ${name}`) : undefined);
    const carrierTables = tablesOf(namespace, trunk.spec.carrierRef.name);
    if (!unresolved && carrierTables) {
      const route: OutboundTrunkRoute = {
        name, enabled: trunk.spec.enabled, host: trunk.spec.host, port: trunk.spec.port, transport: trunk.spec.transport,
        dialString: trunk.spec.dialString, routePrefixes: trunk.spec.routePrefixes, priority: trunk.spec.priority, weight: trunk.spec.weight,
        stopFailoverCodes: trunk.spec.stopFailoverCodes, hasCredentials: credentials !== undefined, ...optional('callerIdOverride', trunk.spec.callerIdOverride),
      };
      carrierTables.outboundTrunks.push(route);
      carrierTables.members.outboundTrunks++;
      if (credentials) {
        const password = observed.secrets.get(`${namespace}/${credentials.passwordSecretRef.name}`)?.data[credentials.passwordSecretRef.key] ?? '';
        carrierTables.secrets.outboundTrunks[name] = digestCredential(compositeUsername(credentials.username, credentials.domain), credentials.realm ?? trunk.spec.host, password);
      }
    }
    const prefixes = trunk.spec.routePrefixes.length > 0 ? trunk.spec.routePrefixes.map((p) => `+${p}`).join(', ') : 'every number';
    write('OutboundTrunk', trunk, { unresolved }, `Carries ${prefixes} to ${trunk.spec.host}:${trunk.spec.port}/${trunk.spec.transport}.`, credentials ? { credentialsSecret: names.workerSecrets(trunk.spec.carrierRef.name) } : {});
  }

  const domainClaims = new Claims<ObservedObject<unknown>>('SipDomain', 'SIP domain');
  for (const domain of [...observed.sipDomains].sort(byAge)) {
    const { namespace, name } = domain.metadata;
    const carrierName = domain.spec.carrierRef.name;
    const carrier = index.carriers.get(`${namespace}/${carrierName}`);
    const invalid = carrier ? sipDomainBaseMissing(carrier) : undefined;
    const unresolved = carrierMissing(index, namespace, carrierName) ?? accountUnusable(index, namespace, carrierName, domain.spec.accountRef.name)
      ?? domain.spec.credentials.map((credential) => secretKeyMissing(index, namespace, credential.passwordSecretRef, `password of ${credential.username}`)).find(Boolean);
    const address = carrier?.spec.sipDomainBase ? fqdn(domain.spec.name, domain.spec.region, carrier.spec.sipDomainBase) : undefined;
    const conflict = invalid || unresolved || !address ? undefined : domainClaims.claim(address, domain);
    const carrierTables = tablesOf(namespace, carrierName);
    if (!invalid && !unresolved && !conflict && address && carrierTables) {
      const route: SipDomainRoute = {
        name, domain: address, enabled: domain.spec.enabled, account: domain.spec.accountRef.name,
        acl: domain.spec.acl, authentication: domain.spec.authentication, forwardCustomHeaders: domain.spec.forwardCustomHeaders,
        ...optional('voice', webhook(domain.spec.voiceURL, domain.spec.voiceMethod)), ...optional('fallback', webhook(domain.spec.voiceFallbackURL, domain.spec.voiceFallbackMethod)),
        usernames: domain.spec.credentials.map((credential) => credential.username),
      };
      carrierTables.sipDomains.push(route);
      carrierTables.members.sipDomains++;
      carrierTables.secrets.sipDomains[address] = Object.fromEntries(domain.spec.credentials.map((credential) => {
        const password = observed.secrets.get(`${namespace}/${credential.passwordSecretRef.name}`)?.data[credential.passwordSecretRef.key] ?? '';
        return [credential.username, digestCredential(credential.username, address, password)];
      }));
    }
    write('SipDomain', domain, { invalid, unresolved, conflict }, `Answers at ${address ?? '?'}.`, { ...optional('domain', address), credentials: domain.spec.credentials.length });
  }

  // Numbers: one owner per number within a carrier; the oldest PhoneNumber keeps it.
  const numberClaims = new Claims<ObservedObject<unknown>>('PhoneNumber', 'number');
  for (const number of [...observed.phoneNumbers].sort(byAge)) {
    const { namespace } = number.metadata;
    const { carrierRef, accountRef } = number.spec;
    const unresolved = carrierMissing(index, namespace, carrierRef.name) ?? accountUnusable(index, namespace, carrierRef.name, accountRef?.name);
    const conflict = unresolved ? undefined : numberClaims.claim(`${namespace}/${carrierRef.name}/${number.spec.number}`, number, number.spec.number);
    const carrierTables = tablesOf(namespace, carrierRef.name);
    const account = routedAccount(namespace, carrierRef.name, accountRef?.name);
    const accountObject = accountRef ? index.accounts.get(`${namespace}/${accountRef.name}`) : undefined;
    const notReady: Finding | undefined = accountRef && !account && !unresolved ? { reason: 'AccountNotRouted', message: `Account ${accountRef.name} is not in routing yet (see its conditions).` } : undefined;
    if (!unresolved && !conflict && carrierTables) {
      const route: NumberRoute = {
        type: number.spec.type, enabled: number.spec.enabled, ...optional('account', accountRef?.name),
        ...optional('voice', webhook(number.spec.voiceURL, number.spec.voiceMethod)), ...optional('fallback', webhook(number.spec.voiceFallbackURL, number.spec.voiceFallbackMethod)),
        ...optional('statusCallback', webhook(number.spec.statusCallbackURL, number.spec.statusCallbackMethod)),
      };
      carrierTables.numbers.set(number.spec.number, route);
      carrierTables.members.phoneNumbers++;
      if (accountObject) numbersPerAccount.set(objectKey(accountObject.metadata), (numbersPerAccount.get(objectKey(accountObject.metadata)) ?? 0) + 1);
    }
    const own = webhook(number.spec.voiceURL, number.spec.voiceMethod);
    const inherited = account?.voice;
    const resolvedWebhook = own ? { ...own, source: 'PhoneNumber' } : inherited ? { ...inherited, source: 'Account' } : undefined;
    const readyMessage = !accountRef ? 'In routing, unassigned: calls get 404 until it is assigned to an account.'
      : !number.spec.enabled ? 'In routing, disabled: calls get 404.'
      : account && !account.enabled ? `In routing, but Account ${accountRef.name} is disabled: calls get 403.`
      : `Routes to Account ${accountRef.name}${resolvedWebhook ? ` (${resolvedWebhook.method} ${resolvedWebhook.url})` : ', which has no voice URL: calls are rejected'}.`;
    write('PhoneNumber', number, { unresolved, conflict, notReady }, readyMessage, {
      ...optional('account', accountRef?.name), ...optional('accountSID', account?.sid), ...optional('webhook', resolvedWebhook),
    });
  }

  // Carriers last: their routing and status summarise everything above.
  const phases: DesiredObject[][] = [[], [], []];
  const carriers: CompileResult['carriers'] = [];
  for (const carrier of observed.carriers) {
    const carrierTables = tablesOf(carrier.metadata.namespace, carrier.metadata.name);
    if (!carrierTables) continue;
    const labels = inheritedLabels(carrier.metadata.labels);
    const routing = compileRouting(carrier, carrierTables, labels);
    phases[0]?.push(...routing.shards, routing.workerSecret);
    phases[1]?.push(routing.manifest);
    phases[2]?.push(...carrierWorkloads({ carrier: carrierForWorkloads(carrier), images: context.images, routingShardCount: routing.shards.length, routingConfigChecksum: routing.generation }));
    carriers.push({ namespace: carrier.metadata.namespace, name: carrier.metadata.name, generation: routing.generation, shards: routing.shards.length, largestShardBytes: routing.largestShardBytes, numbers: carrierTables.numbers.size });
    const workers = observed.workers.filter((worker) => worker.namespace === carrier.metadata.namespace && worker.carrier === carrier.metadata.name);
    const status = carrierStatus(carrier, routing.generation, carrierTables.members, workers, context.now);
    collector.add(refOf('Carrier', carrier), carrier.status, status);
  }
  for (const writeAccountStatus of accountStatuses) writeAccountStatus();
  for (const invalid of observed.invalid) {
    const conditions = conditionsFor(standardConditions({ invalid: { reason: 'InvalidSpec', message: invalid.error } }, ''), invalid.status?.conditions, invalid.metadata.generation, context.now);
    collector.add({ kind: invalid.kind, namespace: invalid.metadata.namespace, name: invalid.metadata.name, uid: invalid.metadata.uid }, invalid.status, { observedGeneration: invalid.metadata.generation ?? 0, conditions });
  }
  return { phases, createOnly, statuses: collector.statuses, events: collector.events, carriers };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function carrierForWorkloads(carrier: CarrierObject) {
  const { name, namespace, uid, labels } = carrier.metadata;
  return { metadata: { name, namespace, uid, ...(labels ? { labels } : {}) }, spec: carrier.spec };
}
