// Server-side apply of imported PhoneNumbers under the CLI's own field manager, a bounded number
// in flight. A refusal that concerns one object (409 a field owned by someone else, 422 admission
// said no) is that row's failure and the import goes on; anything else (no permission, the API
// server gone) stops it: 100,000 copies of the same error help nobody.
import { applyPatchContentType } from '../../api/kube/apply-patch.ts';
import { ApiError, type ApiClient } from '../../api/kube/client.ts';
import { collectionPath, objectPath } from '../../operator/src/kube/resources.ts';
import { CommandError } from '../terminal/command.ts';
import { phoneNumberObject, type ImportTarget } from './phone-number-manifest.ts';
import type { NumberRow, RowProblem } from './somleng-csv.ts';

export const cliFieldManager = 'switchyard-cli';

export interface ApplyOptions {
  client: ApiClient;
  target: ImportTarget & { namespace: string };
  forceConflicts: boolean;
  concurrency: number;
  onApplied?: (done: number) => void;
}

export interface ApplyOutcome {
  applied: number;
  failures: RowProblem[];
  /** Why the import stopped early, if it did. */
  stopped?: string;
}

/** Fails early and clearly when the namespace or the CRD is missing, before any row is sent. */
export async function preflight(client: ApiClient, namespace: string): Promise<void> {
  const missing = async (path: string) => {
    try {
      await client.request('GET', path);
      return false;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return true;
      throw new CommandError((error as Error).message);
    }
  };
  if (await missing(`/api/v1/namespaces/${encodeURIComponent(namespace)}`)) throw new CommandError(`namespace ${namespace} does not exist`);
  if (await missing(`${collectionPath('PhoneNumber', namespace)}?limit=1`)) throw new CommandError('the API server does not serve PhoneNumbers: install the CRDs first (make install-crds or kubectl apply -f crds/)');
}

const perObject = (error: unknown) => error instanceof ApiError && (error.status === 409 || error.status === 422);

function reasonOf(error: unknown): string {
  if (!(error instanceof ApiError)) return (error as Error).message;
  try {
    return `apply refused (${error.status}): ${(JSON.parse(error.body) as { message?: string }).message ?? error.body}`;
  } catch {
    return `apply refused (${error.status}): ${error.body.slice(0, 300)}`;
  }
}

export async function applyNumbers(rows: readonly NumberRow[], options: ApplyOptions): Promise<ApplyOutcome> {
  const { client, target } = options;
  const query = `?fieldManager=${cliFieldManager}${options.forceConflicts ? '&force=true' : ''}`;
  const outcome: ApplyOutcome = { applied: 0, failures: [] };
  let next = 0;
  let settled = 0;
  const lane = async () => {
    while (next < rows.length && outcome.stopped === undefined) {
      const row = rows[next++] as NumberRow;
      try {
        await client.request('PATCH', objectPath('PhoneNumber', target.namespace, row.name) + query, phoneNumberObject(row, target), applyPatchContentType, { discardBody: true });
        outcome.applied++;
      } catch (error) {
        if (perObject(error)) outcome.failures.push({ line: row.line, reason: reasonOf(error) });
        else outcome.stopped ??= `line ${row.line}: ${reasonOf(error)}`;
      }
      options.onApplied?.(++settled);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, rows.length) }, lane));
  outcome.failures.sort((a, b) => a.line - b.line);
  return outcome;
}
