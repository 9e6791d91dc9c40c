// STUN messages for the tests: RFC 5769's sample request (its FINGERPRINT checks out) and the hex
// notation the tests write messages in.
export const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
/** RFC 5769 §2.1's sample request: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT. */
export const rfc5769Request = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`);
export const transactionId = 'b7e7a701bc34d686fa87dfae';
