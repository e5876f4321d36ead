/**
 * The problems that make `text` not well-formed XML, for the subset a generated SVG uses: an
 * optional declaration, comments, elements with quoted attributes, text with the five named
 * entities and numeric references. Empty when well-formed (one root, every tag closed in order).
 */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let roots = 0;
  const token = /<\?xml[^?]*\?>|<!--[\s\S]*?-->|<\/?[^>]*>|[^<]+|</g;
  const badText = (s: string) => /<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(s);
  for (const [piece] of text.matchAll(token)) {
    if (piece.startsWith("<?xml") || piece.startsWith("<!--")) continue;
    if (!piece.startsWith("<")) {
      if (badText(piece)) problems.push(`bad character in text: ${piece.slice(0, 40)}`);
      if (open.length === 0 && piece.trim())
        problems.push(`text outside the root: ${piece.slice(0, 40)}`);
      continue;
    }
    const close = /^<\/([A-Za-z_][\w.:-]*)\s*>$/.exec(piece);
    if (close) {
      const expected = open.pop();
      if (expected !== close[1]) problems.push(`</${close[1]}> closes <${expected ?? "nothing"}>`);
      continue;
    }
    const tag =
      /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>$/.exec(
        piece,
      );
    if (!tag) {
      problems.push(`malformed tag: ${piece.slice(0, 60)}`);
      continue;
    }
    const names = [...tag[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*("[^"]*"|'[^']*')/g)];
    const seen = new Set<string>();
    for (const [, name, value] of names) {
      if (seen.has(name!)) problems.push(`<${tag[1]}> repeats attribute ${name}`);
      seen.add(name!);
      if (badText(value!.slice(1, -1))) problems.push(`<${tag[1]} ${name}> has a bad character`);
    }
    if (open.length === 0) roots++;
    if (!tag[3]) open.push(tag[1]!);
  }
  if (open.length > 0) problems.push(`unclosed: ${open.join(" > ")}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
