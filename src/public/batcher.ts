/**
 * Group commit for the public hot paths. Requests that arrive together (the same event-loop turn, or while
 * the allowed number of batches is already in flight) are written by one statement in one transaction, and
 * each request still waits for that commit: an unsubscribe is in effect before its response is sent. On a
 * small machine the commit (WAL flush) is the limit, not the SQL, so this is what lifts throughput.
 */
export type Batcher<I, O> = { submit(item: I): Promise<O> };

export function createBatcher<I, O>(options: {
  /** Runs one batch; returns one result per item, in order. A throw fails every item of the batch. */
  run: (items: I[]) => Promise<O[]>;
  maxSize?: number;
  maxInFlight?: number;
}): Batcher<I, O> {
  const maxSize = options.maxSize ?? 200;
  const maxInFlight = options.maxInFlight ?? 4;
  let queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let inFlight = 0;
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.slice(0, maxSize);
      queue = queue.slice(maxSize);
      inFlight += 1;
      options.run(batch.map((b) => b.item)).then(
        (out) => batch.forEach((b, i) => (i < out.length ? b.resolve(out[i]) : b.reject(new Error('batch returned too few results')))),
        (err) => batch.forEach((b) => b.reject(err)),
      ).finally(() => {
        inFlight -= 1;
        if (queue.length > 0 && !scheduled) { scheduled = true; setImmediate(flush); }
      });
    }
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!scheduled) { scheduled = true; setImmediate(flush); }
      });
    },
  };
}
