/** Name lookups with SQLite's rule: names match case-insensitively, an exact spelling wins. */

/** The item whose name matches `name` exactly, else case-insensitively (ASCII, as SQLite does). */
export function findByName<T>(items: readonly T[], name: string, nameOf: (item: T) => string): T | undefined {
  const exact = items.find((i) => nameOf(i) === name);
  if (exact !== undefined) return exact;
  const lower = asciiLower(name);
  return items.find((i) => asciiLower(nameOf(i)) === lower);
}

/** The value under the key matching `name` exactly, else case-insensitively. */
export function getByName<V>(record: Readonly<Record<string, V>> | undefined, name: string): V | undefined {
  if (record === undefined) return undefined;
  if (Object.hasOwn(record, name)) return record[name];
  const lower = asciiLower(name);
  const key = Object.keys(record).find((k) => asciiLower(k) === lower);
  return key === undefined ? undefined : record[key];
}

/** SQLite folds only ASCII letters when it compares names. */
export function asciiLower(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
