/**
 * Waits until `check` resolves true, polling every `everyMs`; a check that throws counts as
 * false (e.g. verify before the snapshot has created the tables). Fails after `timeoutMs`.
 */
export async function until(check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
