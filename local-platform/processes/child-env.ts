// What every child gets from us: a PATH with this Node first (the machine's may be older) and a
// HOME, and nothing else of our environment: a pod's process sees only its template's variables,
// and a worker must not find the administrator's KUBECONFIG.
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const childPath = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;

export function childEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: childPath, HOME: process.env.HOME ?? '/', ...variables };
}

/** Whether `command` is an executable file, by path or on the children's PATH. */
export function onPath(command: string): boolean {
  const candidates = command.includes('/') ? [command] : childPath.split(delimiter).map((dir) => join(dir, command));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
