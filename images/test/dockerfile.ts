// Just enough of a Dockerfile and .dockerignore reader to tell which repository files land in an
// image's final stage, where, and how it starts; there is no Docker engine here to build it.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

export interface FinalStage {
  from: string;
  workdir: string;
  user: string | undefined;
  /** COPY without --from: a path in the build context, where it goes, and whether that is a directory to copy into. */
  copies: Array<{ source: string; destination: string; intoDirectory: boolean }>;
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  /** Every RUN of the stage, continuation lines joined. */
  runs: string[];
}

function instructions(text: string): Array<[string, string]> {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  return joined.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return [keyword.toUpperCase(), rest.join(' ')];
  });
}

const execForm = (value: string) => JSON.parse(value) as string[];

/** What each instruction does to the stage it is in. */
const handlers: Record<string, (stage: FinalStage, value: string) => void> = {
  WORKDIR: (stage, value) => { stage.workdir = posix.resolve(stage.workdir, value); },
  USER: (stage, value) => { stage.user = value; },
  CMD: (stage, value) => { stage.cmd = execForm(value); },
  ENTRYPOINT: (stage, value) => { stage.entrypoint = execForm(value); },
  RUN: (stage, value) => { stage.runs.push(value); },
  COPY: (stage, value) => {
    if (value.startsWith('--from')) return;
    const parts = value.split(/\s+/).filter((part) => !part.startsWith('--'));
    const target = parts.pop() ?? '';
    const intoDirectory = target.endsWith('/') || target === '.' || parts.length > 1;
    const destination = posix.resolve(stage.workdir, target);
    for (const source of parts) stage.copies.push({ source: posix.normalize(source).replace(/\/$/, ''), destination, intoDirectory });
  },
};

export function finalStage(path: string): FinalStage {
  const args = new Map<string, string>();
  let stage: FinalStage | undefined;
  for (const [keyword, value] of instructions(readFileSync(path, 'utf8'))) {
    if (keyword === 'ARG' && !stage) {
      const [name = '', defaultValue = ''] = value.split('=');
      args.set(name, defaultValue);
    } else if (keyword === 'FROM') {
      const image = (value.split(/\s+/)[0] ?? '').replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
      stage = { from: image, workdir: '/', user: undefined, copies: [], cmd: undefined, entrypoint: undefined, runs: [] };
    } else if (stage) {
      handlers[keyword]?.(stage, value);
    }
  }
  if (!stage) throw new Error(`${path} has no FROM`);
  return stage;
}

/** A .dockerignore pattern as Go's filepath.Match reads it (`*` matches dot files too), plus `**`. */
function patternRegExp(glob: string): RegExp {
  if (/[[\\]/.test(glob)) throw new Error(`.dockerignore pattern ${glob}: character classes and escapes are not understood here`);
  const body = glob.split(/(\*\*\/?|\*|\?)/).map((part) => {
    if (part === '**/' || part === '**') return '(.*/)?';
    if (part === '*') return '[^/]*';
    if (part === '?') return '[^/]';
    return part.replace(/[.+^${}()|]/g, '\\$&');
  }).join('');
  return new RegExp(`^${body}$`);
}

/** Docker's rules: the last matching pattern wins, and a pattern matching a parent directory matches what is in it. */
export function dockerignore(path: string): (file: string) => boolean {
  const patterns = readFileSync(path, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')).map((line) => {
    const negated = line.startsWith('!');
    return { negated, pattern: patternRegExp(posix.normalize(negated ? line.slice(1) : line).replace(/\/$/, '')) };
  });
  return (file) => {
    const parents = file.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const { negated, pattern } of patterns) if (parents.some((candidate) => pattern.test(candidate))) excluded = !negated;
    return excluded;
  };
}

/** Where a repository file ends up in the image, or undefined when no COPY brings it (or .dockerignore keeps it out). */
export function imagePath(stage: FinalStage, ignored: (file: string) => boolean, file: string): string | undefined {
  if (ignored(file)) return undefined;
  for (const { source, destination, intoDirectory } of stage.copies) {
    if (file === source) return intoDirectory ? posix.join(destination, posix.basename(file)) : destination;
    if (file.startsWith(`${source}/`)) return posix.join(destination, file.slice(source.length + 1));
  }
  return undefined;
}
