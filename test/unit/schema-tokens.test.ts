import { describe, expect, it } from 'vitest';
import { closingParen, sliceSql, splitTopLevel, tokenize } from '../../src/schema/sql-tokens.js';

describe('tokenize', () => {
  it('reads strings, quoted identifiers, numbers, blobs, words and operators', () => {
    const tokens = tokenize(
      `a == 'it''s' || "x""y" [b c] \`d\` 0x1F 1e5 .5 3.14 x'00ff' <> != <= -> ->> ?1 :name`,
    );
    expect(tokens.map((t) => [t.kind, t.value])).toEqual([
      ['word', 'a'],
      ['operator', '=='],
      ['string', "it's"],
      ['operator', '||'],
      ['quoted', 'x"y'],
      ['quoted', 'b c'],
      ['quoted', 'd'],
      ['number', '0x1F'],
      ['number', '1e5'],
      ['number', '.5'],
      ['number', '3.14'],
      ['blob', '00ff'],
      ['operator', '<>'],
      ['operator', '!='],
      ['operator', '<='],
      ['operator', '->'],
      ['operator', '->>'],
      ['param', '?1'],
      ['param', ':name'],
    ]);
  });

  it('skips comments but keeps offsets into the original text', () => {
    const sql = 'a -- comment ( with paren\n + /* block ) */ b';
    const tokens = tokenize(sql);
    expect(tokens.map((t) => t.text)).toEqual(['a', '+', 'b']);
    expect(sql.slice(tokens[2]!.start, tokens[2]!.end)).toBe('b');
  });

  it('does not see keywords or parentheses inside strings and identifiers', () => {
    const tokens = tokenize(`check ('(' || ")" )`);
    expect(tokens.map((t) => t.kind)).toEqual(['word', 'punct', 'string', 'operator', 'quoted', 'punct']);
    expect(closingParen(tokens, 1)).toBe(5);
  });

  it('reads non-ASCII words', () => {
    expect(tokenize('größe > 1').map((t) => t.value)).toEqual(['größe', '>', '1']);
  });

  it('throws on unterminated strings and identifiers', () => {
    expect(() => tokenize("'abc")).toThrow(/unterminated/);
    expect(() => tokenize('"abc')).toThrow(/unterminated/);
    expect(() => tokenize('[abc')).toThrow(/unterminated/);
  });
});

describe('balanced groups', () => {
  it('splits on top-level commas only and slices the original text', () => {
    const sql = "(a, f(b, c), 'x,y', (d))";
    const tokens = tokenize(sql);
    const close = closingParen(tokens, 0);
    expect(close).toBe(tokens.length - 1);
    const parts = splitTopLevel(tokens, 1, close).map(([a, b]) => sliceSql(sql, tokens, a, b));
    expect(parts).toEqual(['a', 'f(b, c)', "'x,y'", '(d)']);
  });

  it('throws on unbalanced parentheses', () => {
    expect(() => closingParen(tokenize('(a, (b)'), 0)).toThrow(/unbalanced/);
  });
});
