// The examples' webhooks are customers' hosts (https://*.example) that do not exist; the local run
// points them at the demo webhook with server-side apply under its own field manager, so
// `kubectl get account -o yaml --show-managed-fields` shows who changed what.
import type { Kubectl } from '../kube/kubectl.ts';

export const fieldManager = 'switchyard-local-platform';
export const webhookKinds = ['accounts', 'phonenumbers', 'sipdomains'] as const;

interface WebhookOwner {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

const routes: Record<string, string> = { voiceURL: 'voice', voiceFallbackURL: 'fallback', statusCallbackURL: 'status' };

export interface WebhookPatches {
  /** Apply configurations: only the URL fields this manager takes over. */
  manifests: WebhookOwner[];
  overrides: string[];
}

/**
 * Every URL field that is set moves to the demo webhook; an Account without a voiceURL gets one,
 * so its numbers and domains that set none reach the demo too.
 */
export function webhookPatches(objects: WebhookOwner[], base: string): WebhookPatches {
  const manifests: WebhookOwner[] = [];
  const overrides: string[] = [];
  for (const object of objects) {
    const { kind, metadata } = object;
    const spec: Record<string, string> = {};
    for (const [field, route] of Object.entries(routes)) {
      const before = object.spec?.[field];
      if (typeof before !== 'string' && !(kind === 'Account' && field === 'voiceURL')) continue;
      const after = `${base}/${route}/${kind.toLowerCase()}/${metadata.name}`;
      if (before === after) continue;
      spec[field] = after;
      overrides.push(`${kind} ${metadata.namespace ?? 'default'}/${metadata.name} spec.${field}: ${typeof before === 'string' ? before : '(unset)'} → ${after}`);
    }
    if (Object.keys(spec).length > 0) manifests.push({ apiVersion: object.apiVersion, kind, metadata: { name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}) }, spec });
  }
  return { manifests, overrides };
}

/** Points every Account, PhoneNumber and SipDomain in the cluster at the demo webhook; returns what changed. */
export async function pointWebhooksAt(kubectl: Kubectl, base: string): Promise<WebhookPatches> {
  const lists = await Promise.all(webhookKinds.map((kind) => kubectl.json<{ items: WebhookOwner[] }>(['get', kind, '--all-namespaces'])));
  const patches = webhookPatches(lists.flatMap((list) => list.items), base);
  if (patches.manifests.length > 0) {
    const input = patches.manifests.map((manifest) => JSON.stringify(manifest)).join('\n---\n');
    await kubectl.ok(['apply', '--server-side', `--field-manager=${fieldManager}`, '--force-conflicts', '-f', '-'], input);
  }
  return patches;
}
