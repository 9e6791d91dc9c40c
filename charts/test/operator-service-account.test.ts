// The chart's RBAC is what the operator needs, and no more: the real operator, authenticated as
// the chart's ServiceAccount (a TokenRequest token, not the test's admin certificate), wins the
// leader Lease and reconciles examples/ to Ready without one 403; the same identity is refused
// what the operator never does, including granting itself more through a Role.
import type { V1Deployment, V1Role } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { testCluster } from '../../testing/cluster.ts';
import { eventually, startOperator } from '../../testing/operator-process.ts';
import { allReady, list, routingState } from '../../operator/test/cluster-objects.ts';
import { chartDir, helmOk } from './helm.ts';
import { actAsServiceAccount } from '../../testing/service-account.ts';

const examples = join(new URL('../..', import.meta.url).pathname, 'examples');
const cluster = await testCluster();
const releaseNamespace = await cluster.namespace('switchyard-system');
const release = `sy-${releaseNamespace.slice(-6)}`;
const fullname = `${release}-switchyard`;
after(() => cluster.kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release}`]));
await helmOk(['install', release, chartDir, '--namespace', releaseNamespace, '--kubeconfig', cluster.kubeconfig]);
await cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '-l', 'app.kubernetes.io/part-of=switchyard']);
const identity = await actAsServiceAccount(cluster, releaseNamespace, fullname);

// The operator gets the environment the chart gives its container (the pod name aside, and a free port).
const deployment = JSON.parse(await cluster.kubectlOk(['get', 'deployment', fullname, '-n', releaseNamespace, '-o', 'json'])) as V1Deployment;
const chartEnv = Object.fromEntries((deployment.spec?.template.spec?.containers[0]?.env ?? []).flatMap((v) => (v.value === undefined || v.name === 'SWITCHYARD_HTTP_ADDRESS' ? [] : [[v.name, v.value]])));
const operator = startOperator(identity.kubeconfig, chartEnv);
const carrierNamespace = await cluster.namespace('carrier');

describe('the operator as the chart\'s ServiceAccount', () => {
  test('leads through the Lease in the release namespace, with the heap cap the chart sets', async () => {
    await operator.waitForLog((line) => line.msg === 'became leader');
    const lease = JSON.parse(await cluster.kubectlOk(['get', 'lease', fullname, '-n', releaseNamespace, '-o', 'json'])) as { spec: { holderIdentity: string } };
    assert.equal(lease.spec.holderIdentity, operator.identity);
    const heap = await operator.waitForLog((line) => line.msg === 'heap limit');
    assert.ok(Number(heap.heapLimitMb) < 1024, `heap limit ${String(heap.heapLimitMb)} MB follows NODE_OPTIONS=${chartEnv.NODE_OPTIONS}`);
  });

  test('reconciles examples/ to Ready: routing, Secrets, workloads and the workers\' Role', async () => {
    await cluster.kubectlOk(['apply', '-n', carrierNamespace, '-f', examples]);
    const objects = await eventually('every example object Ready', () => allReady(cluster, carrierNamespace), 90_000);
    assert.equal(objects.length, 11);
    const routing = await routingState(cluster, carrierNamespace, 'mekong-telecom');
    assert.equal(routing?.numbers['+85512345678']?.account, 'kampot-pepper');
    const names = async (resource: string) => (await list(cluster, carrierNamespace, resource)).map((o) => o.metadata.name).sort();
    assert.deepEqual(await names('deployments'), ['mekong-telecom-media-relay', 'mekong-telecom-sip-worker']);
    assert.deepEqual(await names('services'), ['mekong-telecom-api', 'mekong-telecom-media-relay', 'mekong-telecom-sip']);
    assert.deepEqual(await names('serviceaccounts').then((all) => all.filter((n) => n !== 'default')), ['mekong-telecom-sip-worker']);
    assert.deepEqual(await names('rolebindings'), ['mekong-telecom-sip-worker']);
    assert.deepEqual(await names('poddisruptionbudgets'), ['mekong-telecom-sip-worker']);
    const secrets = await names('secrets');
    for (const secret of ['kampot-pepper-auth-token', 'mekong-telecom-worker-secrets']) assert.ok(secrets.includes(secret), `${secret} exists`);
    // Writing this Role passed RBAC's escalation check: the operator holds every permission it grants.
    const role = JSON.parse(await cluster.kubectlOk(['get', 'role', 'mekong-telecom-sip-worker', '-n', carrierNamespace, '-o', 'json'])) as V1Role;
    assert.deepEqual(role.rules?.map((rule) => [rule.resources, rule.verbs]), [
      [['configmaps'], ['get', 'list', 'watch']],
      [['secrets'], ['get', 'list', 'watch']],
      [['leases'], ['create', 'get', 'update', 'patch']],
    ]);
  });

  test('records an Event when a second PhoneNumber claims a routed number', async () => {
    await cluster.kubectlOk(['apply', '-n', carrierNamespace, '-f', '-'], { input: 'apiVersion: telecom.switchyard.dev/v1alpha1\nkind: PhoneNumber\nmetadata: {name: pn-dup}\nspec: {carrierRef: {name: mekong-telecom}, number: "+85512345678", accountRef: {name: phnom-penh-clinic}}\n' });
    await eventually('a DuplicateNumber event from the operator', async () => {
      const events = JSON.parse(await cluster.kubectlOk(['get', 'events', '-n', carrierNamespace, '--field-selector', 'involvedObject.name=pn-dup', '-o', 'json'])) as { items: Array<{ reason?: string; reportingComponent?: string }> };
      return events.items.some((event) => event.reason === 'DuplicateNumber' && event.reportingComponent === 'switchyard-operator');
    });
  });

  test('prunes what the Carrier no longer wants', async () => {
    await cluster.kubectlOk(['patch', 'carrier', 'mekong-telecom', '-n', carrierNamespace, '--type=merge', '-p', '{"spec":{"mediaRelay":{"enabled":false}}}']);
    await eventually('the media relay Deployment and Service deleted', async () =>
      !(await list(cluster, carrierNamespace, 'deployments,services')).some((o) => o.metadata.name === 'mekong-telecom-media-relay'), 60_000);
  });

  test('was refused nothing: no 403 from the API server, nothing forbidden in its logs', async () => {
    assert.ok((await operator.metric('switchyard_api_requests_total', { verb: 'PATCH' })) > 0, 'the operator wrote');
    assert.ok((await operator.metric('switchyard_api_requests_total', { verb: 'DELETE' })) > 0, 'the operator pruned');
    assert.equal(await operator.metric('switchyard_api_requests_total', { code: '403' }), 0);
    const refusals = operator.logs.filter((line) => /\b403\b|forbidden/i.test(JSON.stringify(line)));
    assert.deepEqual(refusals, []);
  });
});

describe('what the chart\'s ServiceAccount is refused', () => {
  const canI = async (...args: string[]) => {
    const result = await identity.kubectl(['auth', 'can-i', ...args]);
    return result.stdout.trim();
  };

  test('everything the operator never does', async () => {
    const refused = [
      ['delete', 'namespaces'],
      ['create', 'clusterroles'],
      ['create', 'clusterrolebindings'],
      ['escalate', 'roles.rbac.authorization.k8s.io'],
      ['bind', 'roles.rbac.authorization.k8s.io'],
      ['bind', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['list', 'pods'],
      ['create', 'pods'],
      // kubectl reads pods/exec as the Pod named exec: subresources go in --subresource.
      ['create', 'pods', '--subresource=exec'],
      ['create', 'serviceaccounts', '--subresource=token'],
      ['impersonate', 'users'],
      ['patch', 'nodes'],
      ['create', 'mutatingwebhookconfigurations.admissionregistration.k8s.io'],
      // Switchyard objects are the users' intent: the operator writes only their status.
      ['update', 'carriers.telecom.switchyard.dev'],
      ['delete', 'phonenumbers.telecom.switchyard.dev'],
      ['create', 'accounts.telecom.switchyard.dev'],
      // Owned objects are written by server-side apply alone (which needs patch, and create).
      ['update', 'deployments.apps'],
      ['update', 'configmaps'],
      ['delete', 'leases.coordination.k8s.io'],
      ['list', 'events'],
    ];
    const answers = await Promise.all(refused.map(async (args) => [args.join(' '), await canI(...args, '-n', carrierNamespace)]));
    assert.deepEqual(answers.filter(([, answer]) => answer !== 'no'), []);
  });

  test('a Role granting more than the operator holds, or binding cluster-admin, is refused', async () => {
    const pods = `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: probe-pods, namespace: ${carrierNamespace}}\nrules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]\n`;
    const grant = await identity.kubectl(['apply', '--server-side', '--field-manager=switchyard-operator', '-f', '-'], pods);
    assert.notEqual(grant.code, 0);
    assert.match(grant.stderr, /forbidden: .*attempting to grant RBAC permissions not currently held/);
    const admin = `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: probe-admin, namespace: ${carrierNamespace}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: default, namespace: ${carrierNamespace}}]\n`;
    const bind = await identity.kubectl(['apply', '--server-side', '--field-manager=switchyard-operator', '-f', '-'], admin);
    assert.notEqual(bind.code, 0);
    assert.match(bind.stderr, /forbidden/);
    assert.equal((await cluster.kubectl(['get', 'role,rolebinding', 'probe-pods', 'probe-admin', '-n', carrierNamespace])).code, 1, 'neither exists');
  });
});
