// The pure compile step: observed objects in; desired objects, statuses and events out. No I/O,
// no clock, no randomness of its own: `now` and `randomBytes` come in, so the same input always
// gives the same output and the CLI can run it offline. It is the incremental compiler with
// nothing remembered: one code path, whether a pass compiles everything or a few changes.
import { IncrementalCompiler } from './incremental.ts';
import { objectKey, type Observed, type ObservedView, type PhoneNumberObject } from './observed.ts';
import type { CompileResult } from './result.ts';

export interface CompileContext {
  now: Date;
  randomBytes: (size: number) => Uint8Array;
  images: { sipWorker: string; mediaRelay: string; pushService: string };
}

export function viewOf(observed: Observed): ObservedView {
  return {
    ...observed,
    phoneNumbers: new Map(observed.phoneNumbers.map((number): [string, PhoneNumberObject] => [objectKey(number.metadata), number])),
    invalid: observed.invalid.filter((invalid) => invalid.kind !== 'PhoneNumber'),
    invalidPhoneNumbers: new Map(observed.invalid.filter((invalid) => invalid.kind === 'PhoneNumber').map((invalid) => [objectKey(invalid.metadata), invalid])),
  };
}

export function compile(observed: Observed, context: CompileContext): CompileResult {
  return new IncrementalCompiler().compile(viewOf(observed), { full: true, phoneNumbers: [] }, context);
}
