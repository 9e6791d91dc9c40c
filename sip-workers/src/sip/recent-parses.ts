// A header value of one message is read several times while it is handled (validation, the
// transaction key, dialogs, the call), and a response carries values of the request it answers.
// The last few parses of a header kind are kept, keyed by the value's text itself, so a rewritten
// value is parsed afresh. A WeakMap keyed by field cost as much as the parse it saved.
import type { Result } from './header-lexer.ts';

/**
 * `parse`, remembered for the last `slots` values. What it returns is shared between callers:
 * read it, and copy it (Maps inside too) before changing anything.
 */
export function rememberParses<T>(parse: (value: string) => Result<T>, slots: number): (value: string) => Result<T> {
  const values: Array<string | undefined> = new Array<string | undefined>(slots).fill(undefined);
  const parses: Array<Result<T> | undefined> = new Array<Result<T> | undefined>(slots).fill(undefined);
  let next = 0;
  return (value) => {
    for (let i = 0; i < slots; i++) {
      const parsed = parses[i];
      if (values[i] === value && parsed !== undefined) return parsed;
    }
    const parsed = parse(value);
    values[next] = value;
    parses[next] = parsed;
    next = (next + 1) % slots;
    return parsed;
  };
}
