/** Splits a shopper's query into lower-case words; every word must match (name or description). */
export function searchTerms(q: string | undefined): string[] {
  if (q === undefined) return [];
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter((term) => term.length > 0)
    .slice(0, 8);
}

/** A LIKE pattern matching `term` anywhere, with LIKE's wildcards in the term taken literally. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
