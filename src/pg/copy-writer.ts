import { once } from 'node:events';
import { from as copyFrom } from 'pg-copy-streams';
import { fromPgError } from '../errors.js';
import type { PgClient } from './pool.js';

/**
 * A COPY … FROM STDIN into one table, fed with already-encoded data (text lines or binary tuples).
 * `write` resolves once the stream can take more, so memory stays bounded whatever the size.
 */
export class CopyWriter {
  readonly #stream: ReturnType<typeof copyFrom>;
  readonly #done: Promise<void>;
  #failure: unknown = null;

  constructor(client: PgClient, copySql: string) {
    this.#stream = client.query(copyFrom(copySql));
    this.#done = new Promise((resolve, reject) => {
      this.#stream.on('finish', resolve);
      this.#stream.on('error', (error) => {
        this.#failure = error;
        reject(error);
      });
    });
    this.#done.catch(() => undefined);
  }

  /** Sends one chunk of COPY data; waits for the server when its buffer is full. */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    if (!this.#stream.write(chunk)) {
      await Promise.race([once(this.#stream, 'drain'), this.#done]);
    }
  }

  /** Ends the COPY and returns the server's row count. */
  async end(context: string): Promise<number> {
    this.#stream.end();
    try {
      await this.#done;
    } catch (error) {
      throw fromPgError(error, context);
    }
    return this.#stream.rowCount;
  }

  /** Aborts the COPY: the server discards every row of it. */
  async abort(reason: Error): Promise<void> {
    this.#stream.destroy(reason);
    await this.#done.catch(() => undefined);
  }
}
