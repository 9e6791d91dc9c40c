// One CSV record on one line, as RFC 4180 writes it: commas between fields, a field in double
// quotes may hold commas and doubled quotes (""). A quoted field spanning lines is refused rather
// than guessed at: phone-number CSVs never need one, and a stray quote should not swallow rows.
export type CsvFields = { fields: string[] } | { problem: string };

export function csvFields(line: string): CsvFields {
  const fields: string[] = [];
  let position = 0;
  for (;;) {
    if (line[position] === '"') {
      let value = '';
      let cursor = position + 1;
      for (;;) {
        const quote = line.indexOf('"', cursor);
        if (quote < 0) return { problem: 'a quoted field is not closed on this line' };
        value += line.slice(cursor, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          cursor = quote + 2;
          continue;
        }
        cursor = quote + 1;
        break;
      }
      const after = line[cursor];
      if (after !== undefined && after !== ',') return { problem: `unexpected text after the closing quote of field ${fields.length + 1}` };
      fields.push(value);
      if (after === undefined) return { fields };
      position = cursor + 1;
    } else {
      const comma = line.indexOf(',', position);
      const value = comma < 0 ? line.slice(position) : line.slice(position, comma);
      if (value.includes('"')) return { problem: `field ${fields.length + 1} has a quote in the middle; quote the whole field and double the quote ("")` };
      fields.push(value);
      if (comma < 0) return { fields };
      position = comma + 1;
    }
  }
}
