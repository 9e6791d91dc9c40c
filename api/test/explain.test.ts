// `kubectl explain` prints the descriptions written next to the zod schemas.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { z } from 'zod';
import { testCluster, type TestCluster } from '../../testing/cluster.ts';
import { installCrds } from '../../testing/crds.ts';
import { allKinds } from '../v1alpha1/kinds.ts';

// At the top level, so the namespaces it hands out are deleted when the file ends.
const cluster: TestCluster = await testCluster();
before(() => installCrds(cluster));

test('kubectl explain phonenumber.spec.number explains the number', async () => {
  const out = await cluster.kubectlOk(['explain', 'phonenumber.spec.number']);
  assert.match(out, /KIND:\s+PhoneNumber/);
  assert.match(out, /E\.164 form with a leading "\+"/);
});

test('kubectl explain prints the kind description and every top-level spec field of every kind', async () => {
  for (const kind of allKinds) {
    const top = await cluster.kubectlOk(['explain', kind.plural]);
    assert.ok(top.replace(/\s+/g, ' ').includes(kind.description.slice(0, 60)), `${kind.kind} description in: ${top}`);
    const shape = (kind.spec as z.ZodObject).shape as Record<string, z.ZodType>;
    for (const [field, schema] of Object.entries(shape)) {
      const description = schema.description ?? '';
      const out = await cluster.kubectlOk(['explain', `${kind.plural}.spec.${field}`]);
      assert.ok(out.replace(/\s+/g, ' ').includes(description.slice(0, 40)), `${kind.kind}.spec.${field} explains "${description.slice(0, 40)}": ${out}`);
    }
  }
});
