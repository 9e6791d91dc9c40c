// A CSV row as the PhoneNumber it becomes. The YAML is written by hand rather than through a YAML
// library: every value is either a checked DNS name, a boolean or a number in double quotes (JSON
// strings are YAML double-quoted scalars), and at 100,000 rows the template is ~20 times faster.
import { apiVersion } from '../../api/v1alpha1/meta.ts';
import type { NumberRow } from './somleng-csv.ts';

export interface ImportTarget {
  carrier: string;
  /** Unset: the numbers are left unassigned (in routing; calls to them get 404 until assigned). */
  account?: string;
  /** Omitted from the manifests when unset, so `kubectl apply -n` decides. */
  namespace?: string;
}

/**
 * type is set only for short codes, where admission requires it; for E.164 numbers it is left to
 * the API server's default (local) so that re-importing never overwrites a type set by hand
 * (mobile, tollFree) under another field manager.
 */
export function phoneNumberObject(row: NumberRow, target: ImportTarget) {
  return {
    apiVersion,
    kind: 'PhoneNumber',
    metadata: { name: row.name, ...(target.namespace ? { namespace: target.namespace } : {}) },
    spec: {
      carrierRef: { name: target.carrier },
      number: row.number,
      ...(row.shortCode ? { type: 'shortCode' } : {}),
      ...(target.account === undefined ? {} : { accountRef: { name: target.account } }),
      enabled: row.enabled,
    },
  };
}

export function phoneNumberYaml(row: NumberRow, target: ImportTarget): string {
  const namespace = target.namespace ? `  namespace: ${target.namespace}\n` : '';
  const type = row.shortCode ? '  type: shortCode\n' : '';
  const account = target.account === undefined ? '' : `  accountRef:\n    name: ${target.account}\n`;
  return `---\napiVersion: ${apiVersion}\nkind: PhoneNumber\nmetadata:\n  name: ${row.name}\n${namespace}spec:\n  carrierRef:\n    name: ${target.carrier}\n  number: ${JSON.stringify(row.number)}\n${type}${account}  enabled: ${row.enabled}\n`;
}
