// PhoneNumbers compiled so far, kept from pass to pass: which claim each number is filed under,
// who routes each claim, each carrier's routed numbers and each account's count. A pass hands
// in the PhoneNumbers that changed; only their claims are compiled again.
import type { NumberRoute } from '../../../api/routing/schema.ts';
import type { PhoneNumberObject } from './observed.ts';
import { accountKeyOf, carrierKeyOf, claimKeyOf, compileClaim, numberRoute } from './phone-numbers.ts';
import type { ChangedNumbers } from './routing.ts';
import type { CompileScope } from './scope.ts';

const none: ReadonlyMap<string, NumberRoute> = new Map();

export class PhoneNumberIndex {
  /** Claim → the PhoneNumbers (namespace/name) claiming it; a lone claimant is kept as a string, not a Set. */
  private readonly claims = new Map<string, string | Set<string>>();
  /** PhoneNumber (namespace/name) → the claim it is filed under. */
  private readonly filed = new Map<string, string>();
  /** Claim → the Account its routed number counts towards ('' for none). The claim names the carrier and the number. */
  private readonly routed = new Map<string, string>();
  /** Carrier (namespace/name) → number → route. */
  private readonly numbers = new Map<string, Map<string, NumberRoute>>();
  /** Account (namespace/name) → how many numbers route to it. */
  readonly perAccount = new Map<string, number>();
  /** Carrier → numbers whose route changed since routing last took them; 'all' after a rebuild. */
  private changed: Map<string, Set<string>> | 'all' = 'all';
  /** One copy of each carrier and account key, rather than one per routed number. */
  private readonly keys = new Map<string, string>();

  /** Forgets everything and compiles every PhoneNumber. */
  rebuild(scope: CompileScope, source: ReadonlyMap<string, PhoneNumberObject>): void {
    this.claims.clear();
    this.filed.clear();
    this.routed.clear();
    this.numbers.clear();
    this.perAccount.clear();
    this.changed = 'all';
    for (const [key, number] of source) this.file(key, claimKeyOf(number));
    for (const claim of this.claims.keys()) this.compileClaim(scope, source, claim);
  }

  /** Compiles again the claims of the PhoneNumbers (namespace/name) that changed, were created or deleted. */
  update(scope: CompileScope, source: ReadonlyMap<string, PhoneNumberObject>, keys: Iterable<string>): void {
    const affected = new Set<string>();
    for (const key of keys) {
      const before = this.filed.get(key);
      if (before !== undefined) {
        this.unfile(key, before);
        affected.add(before);
      }
      const number = source.get(key);
      if (number) {
        const claim = claimKeyOf(number);
        this.file(key, claim);
        affected.add(claim);
      }
    }
    for (const claim of affected) this.compileClaim(scope, source, claim);
  }

  numbersOf(carrier: string): ReadonlyMap<string, NumberRoute> {
    return this.numbers.get(carrier) ?? none;
  }

  /** The carrier's numbers whose route changed since the last call (for its CarrierRouting). */
  takeChanged(carrier: string): ChangedNumbers {
    if (this.changed === 'all') return 'all';
    const changed = this.changed.get(carrier) ?? new Set<string>();
    this.changed.delete(carrier);
    return changed;
  }

  /** Called once every carrier took its changes. */
  settle(): void {
    this.changed = new Map();
  }

  private file(key: string, claim: string): void {
    const claimants = this.claims.get(claim);
    if (claimants === undefined) this.claims.set(claim, key);
    else if (typeof claimants === 'string') this.claims.set(claim, new Set([claimants, key]));
    else claimants.add(key);
    this.filed.set(key, claim);
  }

  private unfile(key: string, claim: string): void {
    this.filed.delete(key);
    const claimants = this.claims.get(claim);
    if (claimants === key) this.claims.delete(claim);
    else if (typeof claimants === 'object') {
      claimants.delete(key);
      const [only] = claimants;
      if (claimants.size === 1 && only !== undefined) this.claims.set(claim, only);
    }
  }

  private compileClaim(scope: CompileScope, source: ReadonlyMap<string, PhoneNumberObject>, claim: string): void {
    const routedTo = this.routed.get(claim);
    if (routedTo !== undefined) {
      this.routed.delete(claim);
      const slash = claim.lastIndexOf('/');
      const [carrier, number] = [claim.slice(0, slash), claim.slice(slash + 1)];
      this.numbers.get(carrier)?.delete(number);
      this.count(routedTo, -1);
      this.markChanged(carrier, number);
    }
    const keys = this.claims.get(claim);
    if (keys === undefined) return;
    const claimants = (typeof keys === 'string' ? [keys] : [...keys]).map((key) => source.get(key)).filter((number): number is PhoneNumberObject => number !== undefined);
    const winner = compileClaim(scope, claimants);
    if (!winner) return;
    const carrier = this.shared(carrierKeyOf(winner));
    let routes = this.numbers.get(carrier);
    if (!routes) this.numbers.set(carrier, (routes = new Map<string, NumberRoute>()));
    routes.set(winner.spec.number, numberRoute(winner));
    const account = this.shared(accountKeyOf(winner) ?? '');
    this.routed.set(claim, account);
    this.count(account, 1);
    this.markChanged(carrier, winner.spec.number);
  }

  private shared(key: string): string {
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    this.keys.set(key, key);
    return key;
  }

  private count(account: string, delta: number): void {
    if (account === '') return;
    const count = (this.perAccount.get(account) ?? 0) + delta;
    if (count === 0) this.perAccount.delete(account);
    else this.perAccount.set(account, count);
  }

  private markChanged(carrier: string, number: string): void {
    if (this.changed === 'all') return;
    let numbers = this.changed.get(carrier);
    if (!numbers) this.changed.set(carrier, (numbers = new Set()));
    numbers.add(number);
  }
}
