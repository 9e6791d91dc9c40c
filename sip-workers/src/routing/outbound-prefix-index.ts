// Which outbound trunks may carry a number: a digit trie over the enabled trunks' route prefixes,
// built once per generation. A lookup walks the number's digits and keeps the candidates of the
// deepest node that has any, so it costs one array read per digit and allocates nothing. The
// root holds the trunks without prefixes (the default route, length 0).
import type { OutboundTrunkRoute } from '../../../api/routing/schema.ts';
import { RoutingFormatError } from './routing-format-error.ts';

const none: readonly OutboundTrunkRoute[] = Object.freeze([]);

export class OutboundPrefixIndex {
  /** Child of node n for digit d at n * 10 + d; 0 means none (the root is nobody's child). */
  private readonly children: Int32Array;
  private readonly candidates: (readonly OutboundTrunkRoute[] | undefined)[];

  /** Disabled trunks are left out, so they never shadow an enabled trunk with a shorter prefix. */
  constructor(trunks: readonly OutboundTrunkRoute[]) {
    const children: number[] = new Array<number>(10).fill(0);
    const lists: OutboundTrunkRoute[][] = [[]];
    const nodeOf = (prefix: string, trunk: string): number => {
      let node = 0;
      for (let i = 0; i < prefix.length; i++) {
        const digit = prefix.charCodeAt(i) - 0x30;
        if (digit < 0 || digit > 9) throw new RoutingFormatError(`outboundTrunks["${trunk}"]: route prefix "${prefix}" is not digits`);
        const slot = node * 10 + digit;
        if (children[slot] === 0) {
          children[slot] = lists.length;
          lists.push([]);
          for (let d = 0; d < 10; d++) children.push(0);
        }
        node = children[slot] ?? 0;
      }
      return node;
    };
    for (const trunk of trunks) {
      if (!trunk.enabled) continue;
      const prefixes = trunk.routePrefixes.length === 0 ? [''] : trunk.routePrefixes;
      for (const prefix of prefixes) {
        const list = lists[nodeOf(prefix, trunk.name)];
        if (list && !list.includes(trunk)) list.push(trunk);
      }
    }
    this.children = Int32Array.from(children);
    this.candidates = lists.map((list) => (list.length > 0 ? Object.freeze(list) : undefined));
  }

  /** The trunks of the longest prefix matching the number (digits, a leading "+" ignored). */
  candidatesFor(digits: string): readonly OutboundTrunkRoute[] {
    let best = this.candidates[0];
    let node = 0;
    for (let i = digits.charCodeAt(0) === 0x2b ? 1 : 0; i < digits.length; i++) {
      const digit = digits.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) break;
      node = this.children[node * 10 + digit] ?? 0;
      if (node === 0) break;
      best = this.candidates[node] ?? best;
    }
    return best ?? none;
  }
}
