/** Reads a server-sent event stream and collects its `status` events' data (parsed JSON). */
export interface SseReader {
  readonly events: unknown[];
  /** Resolves when at least `n` events arrived. */
  waitFor(n: number): Promise<void>;
  close(): void;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
}

export async function readSse(url: string): Promise<SseReader> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
  if (!response.body) throw new Error('no body');
  const events: unknown[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const ended = (async () => {
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data && block.includes('event: status')) events.push(JSON.parse(data));
        }
        for (const w of [...waiters])
          if (events.length >= w.n) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    ended,
    waitFor: (n) => (events.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => abort.abort(),
  };
}
