// The files `node <entry>` loads, found by following its imports: what an image must contain for
// its command to start. Type-only imports are left out, since type stripping erases them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ModuleGraph {
  /** Repository-relative paths of every module loaded. */
  files: Set<string>;
  /** npm packages imported by name (node: builtins excluded). */
  packages: Set<string>;
}

// import/export ... from '...', side-effect imports, and dynamic import('...') with a literal.
const importPattern = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

const packageName = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * 'all': what the process may ever load (an image must hold it). 'static': what it loads before
 * its first line runs, leaving out modules imported with import() when they are needed.
 */
export function moduleGraph(repoRoot: string, entry: string, follow: 'all' | 'static' = 'all'): ModuleGraph {
  const graph: ModuleGraph = { files: new Set(), packages: new Set() };
  const pending = [resolve(repoRoot, entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const path = relative(repoRoot, file);
    if (graph.files.has(path)) continue;
    if (!existsSync(file)) throw new Error(`${path} is imported but does not exist`);
    graph.files.add(path);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(importPattern)) {
      if (match[1] || (follow === 'static' && match[3] !== undefined)) continue;
      const specifier = match[2] ?? match[3] ?? '';
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier));
      else if (!specifier.startsWith('node:')) graph.packages.add(packageName(specifier));
    }
  }
  return graph;
}
