// The sha256 of each object's text, remembered while the text stays the same string: a source that
// keeps its objects hands the assembler the same strings again, and a one-shard edit then hashes
// one shard instead of 150 MB. It holds the texts it was given, so use it only where the caller
// keeps those texts anyway (the kube source does).
import { createHash } from 'node:crypto';

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export class ChecksumCache {
  private readonly byName = new Map<string, { text: string; sha256: string }>();

  digest(name: string, text: string): string {
    const known = this.byName.get(name);
    // Identical references compare in constant time; equal copies cost a memcmp, still less than a hash.
    if (known?.text === text) return known.sha256;
    const sha256 = sha256Hex(text);
    this.byName.set(name, { text, sha256 });
    return sha256;
  }

  /** Forgets every name not in `names`. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.byName.keys()) if (!names.has(name)) this.byName.delete(name);
  }
}
