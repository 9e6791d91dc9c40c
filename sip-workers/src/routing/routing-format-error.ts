// Why a manifest, shard or secrets text cannot become part of a generation. The assembler turns it
// into a rejection reason; the store keeps serving the previous generation.
import type { z } from 'zod';

export class RoutingFormatError extends Error {
  override readonly name = 'RoutingFormatError';
}

/** The first few schema issues, as "path: message"; enough to find the fault without flooding a log. */
export function schemaProblem(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
