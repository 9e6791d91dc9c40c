// An option naming a Kubernetes object, checked with the CRDs' own name rule. Apart from command.ts,
// which the dispatcher loads for every command, so that only the commands that name objects load zod.
import { objectName } from '../../api/v1alpha1/meta.ts';
import { requireString, UsageError } from './command.ts';

/** A required option naming a Kubernetes object. */
export function objectNameOption(value: string | boolean | undefined, flag: string): string {
  const name = requireString(value, flag);
  if (!objectName('').safeParse(name).success) throw new UsageError(`${flag} "${name}" is not a valid object name (lower-case letters, digits, "-" and ".")`);
  return name;
}
