import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture, expectKind } from './support/capture.js';
import { PORTS, startTcp } from './support/servers.js';

// Errors captured from node:fs and node:net themselves, classified by the detector.
const dir = mkdtempSync(join(tmpdir(), 'stator-res-fs-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dial(host: string, port: number, options: { autoSelectFamily?: boolean } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...options });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('error detector — node:fs, real errors', () => {
  it("ENOENT: not found, the caller's concern", async () => {
    const error = await capture(() => readFile(join(dir, 'missing.txt')));
    expectKind(error, 'not-found', {
      transient: false,
      countsAsFailure: false,
      fallbackAllowed: false,
      code: 'ENOENT',
    });
  });

  it("EACCES: permission (even root cannot write another process's environ)", async () => {
    const error = await capture(() => writeFile('/proc/1/environ', 'x'));
    expectKind(error, 'permission', { transient: false, countsAsFailure: false, code: 'EACCES' });
  });

  it('ENOSPC: no space left (the full device), counts against the breaker', async () => {
    const error = await capture(() => writeFile('/dev/full', 'x'));
    expectKind(error, 'no-space', { transient: false, countsAsFailure: true, fallbackAllowed: true, code: 'ENOSPC' });
  });

  it("EEXIST, EISDIR, ENOTDIR: the caller's mistakes", async () => {
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'file'), 'x');
    expectKind(await capture(() => mkdir(join(dir, 'sub'))), 'constraint', { code: 'EEXIST' });
    expectKind(await capture(() => readFile(join(dir, 'sub'))), 'invalid-input', { code: 'EISDIR' });
    expectKind(await capture(() => readFile(join(dir, 'file', 'x'))), 'not-found', { code: 'ENOTDIR' });
  });
});

describe('error detector — node:net, real errors', () => {
  it('ECONNREFUSED on 127.0.0.1', async () => {
    const error = await capture(() => dial('127.0.0.1', PORTS.refused));
    expectKind(error, 'connection-refused', { transient: true, code: 'ECONNREFUSED' });
  });

  it('ECONNREFUSED on "localhost" (an AggregateError when Node tries IPv6 and IPv4 in turn)', async () => {
    const error = await capture(() => dial('localhost', PORTS.refused, { autoSelectFamily: true }));
    expectKind(error, 'connection-refused', { transient: true });
  });

  it('ECONNRESET / EPIPE from a peer that resets the connection', async () => {
    const server = await startTcp(PORTS.reset, (socket) => socket.resetAndDestroy());
    try {
      const error = await capture(async () => {
        const socket = await dial('127.0.0.1', PORTS.reset);
        await new Promise<void>((_resolve, reject) => {
          socket.once('error', reject);
          const write = (): void => {
            socket.write(Buffer.alloc(64 * 1024), () => setTimeout(write, 5));
          };
          write();
        });
      });
      expect((error as { code: string }).code).toBeOneOf(['ECONNRESET', 'EPIPE']);
      expectKind(error, 'connection-lost', { transient: true, countsAsFailure: true });
    } finally {
      await server.close();
    }
  });

  it('ENOTFOUND: a host that does not resolve', async () => {
    const error = await capture(() => dial('stator-no-such-host.invalid', 80));
    expectKind(error, 'host-unreachable', { transient: true, countsAsFailure: true });
  });
});
