import { canonicalDecimal } from './decimal.js';

/** A JSON number kept exact: its literal text and its canonical decimal value (see `canonicalDecimal`). */
export class JsonNumber {
  constructor(
    readonly text: string,
    readonly canonical: string,
  ) {}
}

/** A parsed JSON value with exact numbers; objects are Maps in input order, duplicate keys resolved. */
export type Json = null | boolean | string | JsonNumber | Json[] | Map<string, Json>;

/** Parses JSON keeping numbers exact; the last of duplicate keys wins, as in jsonb. Throws when invalid. */
export function parseExact(text: string): Json {
  let i = 0;
  const n = text.length;
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at offset ${i}`);
  };
  const skip = (): void => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): string => {
    const start = i++;
    for (let c = text.charCodeAt(i); c !== 34; c = text.charCodeAt(++i)) {
      if (i >= n) fail();
      if (c === 92) i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): Json => {
    skip();
    const c = text.charCodeAt(i);
    if (c === 34) return string();
    if (c === 123) {
      const map = new Map<string, Json>();
      i++;
      skip();
      if (text.charCodeAt(i) === 125) {
        i++;
        return map;
      }
      for (;;) {
        skip();
        if (text.charCodeAt(i) !== 34) fail();
        const key = string();
        skip();
        if (text.charCodeAt(i++) !== 58) fail();
        map.set(key, value());
        skip();
        const next = text.charCodeAt(i++);
        if (next === 125) return map;
        if (next !== 44) fail();
      }
    }
    if (c === 91) {
      const list: Json[] = [];
      i++;
      skip();
      if (text.charCodeAt(i) === 93) {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        skip();
        const next = text.charCodeAt(i++);
        if (next === 93) return list;
        if (next !== 44) fail();
      }
    }
    for (const [word, result] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return result;
      }
    }
    const start = i;
    for (let d = c; (d >= 48 && d <= 57) || d === 45 || d === 43 || d === 46 || d === 101 || d === 69; ) {
      d = text.charCodeAt(++i);
    }
    const literal = text.slice(start, i);
    const canonical = i > start ? canonicalDecimal(literal) : null;
    return canonical === null ? fail() : new JsonNumber(literal, canonical);
  };
  const result = value();
  skip();
  if (i !== n) fail();
  return result;
}
