// helm install into a real kube-apiserver (RBAC on): the CRDs are served and the operator's
// objects exist as rendered; helm uninstall removes them and leaves the CRDs (and so every
// carrier's objects) alone.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testCluster } from '../../testing/cluster.ts';
import { chartDir, helmOk } from './helm.ts';

const cluster = await testCluster();
const ns = await cluster.namespace('helm-install');
const release = `sy-${ns.slice(-6)}`;
const fullname = `${release}-switchyard`;
after(() => cluster.kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release}`]));

const chartCrds = await Promise.all((await readdir(join(chartDir, 'crds'))).map(async (file) => (parse(await readFile(join(chartDir, 'crds', file), 'utf8')) as { metadata: { name: string } }).metadata.name));
const crdsBefore = new Set((await cluster.kubectlOk(['get', 'crd', '-o', 'name'])).split('\n').map((line) => line.replace('customresourcedefinition.apiextensions.k8s.io/', '')));

test('helm install serves the six CRDs and creates the operator, its identity, RBAC and metrics Service', async () => {
  await helmOk(['install', release, chartDir, '--namespace', ns, '--kubeconfig', cluster.kubeconfig]);
  assert.equal(chartCrds.length, 6);
  await cluster.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...chartCrds.map((name) => `crd/${name}`)]);
  // A CRD already there (another test file installed it) is left as it is by Helm; one that was not
  // must have been created by this install.
  for (const name of chartCrds.filter((crd) => !crdsBefore.has(crd))) {
    const managers = (await cluster.kubectlOk(['get', 'crd', name, '--show-managed-fields', '-o', 'jsonpath={.metadata.managedFields[*].manager}'])).split(' ');
    assert.ok(managers.includes('helm'), `${name} was created by helm (field managers: ${managers.join(', ')})`);
  }
  assert.match(await cluster.kubectlOk(['api-resources', '--api-group=telecom.switchyard.dev', '-o', 'name']), /phonenumbers\.telecom\.switchyard\.dev/);

  const created = await cluster.kubectlOk(['get', 'deployment,serviceaccount,service', '-n', ns, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
  assert.deepEqual(created.trim().split('\n').sort(), [`deployment.apps/${fullname}`, `service/${fullname}-metrics`, `serviceaccount/${fullname}`]);
  const clusterWide = await cluster.kubectlOk(['get', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name']);
  assert.deepEqual(clusterWide.trim().split('\n').sort(), [`clusterrole.rbac.authorization.k8s.io/${fullname}`, `clusterrolebinding.rbac.authorization.k8s.io/${fullname}`]);
  assert.equal((await cluster.kubectlOk(['auth', 'can-i', 'list', 'phonenumbers.telecom.switchyard.dev', '--all-namespaces', `--as=system:serviceaccount:${ns}:${fullname}`])).trim(), 'yes');
});

test('helm uninstall removes the operator and its cluster-wide RBAC but keeps the CRDs', async () => {
  await helmOk(['uninstall', release, '--namespace', ns, '--kubeconfig', cluster.kubeconfig, '--wait']);
  assert.equal((await cluster.kubectlOk(['get', 'deployment,clusterrole,clusterrolebinding', '-A', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'])).trim(), '');
  for (const name of chartCrds) await cluster.kubectlOk(['get', 'crd', name]);
});
