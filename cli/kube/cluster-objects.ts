// Reading objects for the CLI's offline-versus-cluster comparisons: paged lists (a namespace may
// hold 100,000 PhoneNumbers) and single GETs that say "absent" instead of throwing on 404.
import { ApiError, type ApiClient } from '../../api/kube/client.ts';
import { collectionPath, objectPath } from '../../operator/src/kube/resources.ts';
import type { RawObject } from '../../operator/src/observe/reflector.ts';

export type { RawObject } from '../../operator/src/observe/reflector.ts';

/** Every object of a kind in a namespace (or cluster-wide when namespace is undefined), 1,000 a page. */
export async function listAll(client: ApiClient, kind: string, namespace: string | undefined, labelSelector?: string): Promise<RawObject[]> {
  const items: RawObject[] = [];
  let continueToken = '';
  do {
    const query = new URLSearchParams({ limit: '1000', ...(continueToken ? { continue: continueToken } : {}), ...(labelSelector ? { labelSelector } : {}) });
    const page = await client.request<{ items: RawObject[] | null; metadata?: { continue?: string } }>('GET', `${collectionPath(kind, namespace)}?${query.toString()}`);
    items.push(...(page.items ?? []));
    continueToken = page.metadata?.continue ?? '';
  } while (continueToken);
  return items;
}

export async function getIfPresent<T = RawObject>(client: ApiClient, kind: string, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.request<T>('GET', objectPath(kind, namespace, name));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}
