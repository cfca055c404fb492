import { connect } from 'node:net';

/**
 * Resolves once something accepts TCP connections on `port` (or, with `open` false, once nothing
 * does), polling every `intervalMs`. Shared by every test that starts and stops its own servers.
 */
export async function waitForPort(port: number, open = true, tries = 300, intervalMs = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const accepting = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepting === open) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`port ${port} did not ${open ? 'open' : 'close'}`);
}
