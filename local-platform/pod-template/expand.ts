// `$(VAR)` references in env values, command and args, expanded the way the kubelet does
// (k8s.io/kubernetes third_party/forked/golang/expansion): `$$` is a literal `$`, a reference to a
// variable that is not defined stays as written, and any other `$` is kept.
export function expand(input: string, variables: ReadonlyMap<string, string>): string {
  let output = '';
  for (let index = 0; index < input.length; index++) {
    const char = input[index];
    if (char !== '$' || index + 1 >= input.length) {
      output += char;
      continue;
    }
    const next = input[index + 1];
    if (next === '$') {
      output += '$';
      index++;
      continue;
    }
    const close = next === '(' ? input.indexOf(')', index + 2) : -1;
    if (close === -1) {
      output += char;
      continue;
    }
    const name = input.slice(index + 2, close);
    const value = variables.get(name);
    output += value ?? `$(${name})`;
    index = close;
  }
  return output;
}
