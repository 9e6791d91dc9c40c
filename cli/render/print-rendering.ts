// A rendering as multi-document YAML: what the operator server-side applies, what it creates once,
// then each object's status; a comment above each document says which. Secret values redacted.
import { Document } from 'yaml';
import type { Rendering } from './render-manifests.ts';
import { withoutSecretValues } from './secret-values.ts';

function document(value: unknown, comment: string): string {
  return `---\n# ${comment}\n${new Document(value).toString({ lineWidth: 0 })}`;
}

export function renderingYaml(rendering: Rendering): string[] {
  return [
    ...rendering.applied.map((object) => document(withoutSecretValues(object), 'server-side applied by the operator (field manager switchyard-operator)')),
    ...rendering.created.map((object) => document(withoutSecretValues(object), 'created once by the operator when absent, never updated')),
    ...rendering.statuses.map((status) => document(status, `status the operator sets on ${status.kind} ${status.metadata.namespace}/${status.metadata.name}`)),
  ];
}
