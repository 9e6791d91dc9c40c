// Which watch events are news to the controller. Writing 100,000 statuses must not cause 100,000
// passes: a Switchyard object is news when it appears, goes, or changes in what the compile reads
// of it (its spec, which moves its generation, or its labels, which owned objects inherit). A
// status-only update (ours, mostly) is not; the next pass or resync sees it.
import { sameJson } from './compile/status-diff.ts';
import type { OwnedMeta, Parsed, SecretEntry } from './observe/projections.ts';

const metadataOf = (parsed: Parsed) => (parsed.ok ? parsed.object.metadata : parsed.invalid.metadata);

function switchyardNews(previous: Parsed, current: Parsed): boolean {
  const before = metadataOf(previous);
  const after = metadataOf(current);
  return before.uid !== after.uid || before.generation !== after.generation || !sameJson(before.labels ?? {}, after.labels ?? {})
    || (before.deletionTimestamp === undefined) !== (after.deletionTimestamp === undefined);
}

const ownedNews = (previous: OwnedMeta, current: OwnedMeta) => !sameJson(previous, current);

const secretNews = (previous: SecretEntry, current: SecretEntry) => !sameJson(previous.data, current.data) || ownedNews(previous.owned, current.owned);

export function isNews(kind: string, switchyardKind: boolean, previous: unknown, current: unknown): boolean {
  if (previous === undefined || current === undefined) return true;
  if (switchyardKind) return switchyardNews(previous as Parsed, current as Parsed);
  if (kind === 'Secret') return secretNews(previous as SecretEntry, current as SecretEntry);
  if (kind === 'Lease') return true;
  return ownedNews(previous as OwnedMeta, current as OwnedMeta);
}
