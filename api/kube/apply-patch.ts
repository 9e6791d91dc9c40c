// Server-side apply bodies. The API server reads them as YAML, with go-yaml, twice (strictly, then
// not). go-yaml's scanner keeps a line's tokens queued while a simple key may still start on it,
// so a body on one line (JSON.stringify's default) queues every token of the document and copies
// the queue as it grows: a PhoneNumber status on one line allocated 126 KB a parse (352 µs), the
// same JSON with a line per field 35 KB (170 µs), as sigs.k8s.io/yaml v1.6.0 measured here. Status
// writes were 44% of kube-apiserver's allocations at 100,000 PhoneNumbers, and its garbage
// collector's cycles are what slow the API server then. A big string (a shard's JSON) is one token
// whichever way it is written.
export const applyPatchContentType = 'application/apply-patch+yaml';

/** JSON with a line per field: still JSON, and cheap for go-yaml. */
export const applyPatchText = (body: unknown): string => JSON.stringify(body, null, 1);
