import { watch } from 'chokidar';
import { interval, merge, Observable, of } from 'rxjs';

/**
 * Ticks that say "the changelog may have grown": at once, on every change chokidar sees to the
 * database file or its `-wal`, and every `pollMs` as a fallback (file events can be missed on
 * network and container filesystems). Ticks carry nothing: the changelog is the buffer.
 */
export function wakeUps(sqlitePath: string, pollMs: number): Observable<unknown> {
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
  return merge(of(undefined), fileEvents, interval(pollMs));
}
