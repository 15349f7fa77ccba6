import { watch } from 'chokidar';
import { filter, interval, merge, Observable, of } from 'rxjs';

/** How often the optional commit probe runs (ms): it bounds the wake-up delay after a commit. */
export const PROBE_EVERY_MS = 10;

/**
 * Ticks that say "the changelog may have grown": at once, on every change chokidar sees to the
 * database file or its `-wal`, every `PROBE_EVERY_MS` while `committed()` (a cheap check such as
 * `DataVersion.changedSinceMark`) says another connection committed, and every `pollMs` as a
 * fallback (file events can be missed on network and container filesystems, and may arrive
 * before the commit they announce is visible). Ticks carry nothing: the changelog is the buffer.
 */
export function wakeUps(sqlitePath: string, pollMs: number, committed?: () => boolean): Observable<unknown> {
  const fileEvents = new Observable<unknown>((subscriber) => {
    const watcher = watch([sqlitePath, `${sqlitePath}-wal`], { ignoreInitial: true, persistent: true });
    watcher.on('change', () => subscriber.next(undefined));
    watcher.on('add', () => subscriber.next(undefined));
    watcher.on('error', () => {
      /* polling still runs */
    });
    return () => {
      void watcher.close();
    };
  });
  const probe =
    committed === undefined
      ? []
      : [
          interval(PROBE_EVERY_MS).pipe(
            filter(() => {
              try {
                return committed();
              } catch {
                return true; // let the read report the error
              }
            }),
          ),
        ];
  return merge(of(undefined), fileEvents, interval(pollMs), ...probe);
}
