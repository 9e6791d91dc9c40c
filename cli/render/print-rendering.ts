// A rendering as multi-document YAML: what the operator server-side applies, what it creates once,
// then each object's status; a comment above each document says which. Secret values redacted.
// A routing shard's JSON is gzip'd in binaryData, so its comment also holds the JSON unzipped, on
// one line: the output stays what the operator applies, and a reader can still search it for a
// number.
import { Document } from 'yaml';
import { shardGzipKey, shardText } from '../../api/routing/shard-data.ts';
import type { Rendering } from './render-manifests.ts';
import { withoutSecretValues } from './secret-values.ts';

function document(value: unknown, comment: string[]): string {
  return `---\n${comment.map((line) => `# ${line}\n`).join('')}${new Document(value).toString({ lineWidth: 0 })}`;
}

function shardComment(object: object): string[] {
  const { binaryData } = object as { binaryData?: Record<string, string> };
  if (binaryData?.[shardGzipKey] === undefined) return [];
  return [`binaryData["${shardGzipKey}"] unzipped:`, shardText({ binaryData }) ?? ''];
}

export function renderingYaml(rendering: Rendering): string[] {
  return [
    ...rendering.applied.map((object) => document(withoutSecretValues(object), ['server-side applied by the operator (field manager switchyard-operator)', ...shardComment(object)])),
    ...rendering.created.map((object) => document(withoutSecretValues(object), ['created once by the operator when absent, never updated'])),
    ...rendering.statuses.map((status) => document(status, [`status the operator sets on ${status.kind} ${status.metadata.namespace}/${status.metadata.name}`])),
  ];
}
