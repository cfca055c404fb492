import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { StatorConfigInput } from '../../../src/config/schema.js';
import type { StatorEvent } from '../../../src/kernel/event-bus.js';
import { createFilesystemLayer } from '../../../src/filesystem/filesystem-layer.js';
import { createLogger } from '../../../src/logging/logger.js';
import { TestClock } from '../../../src/kernel/clock.js';
import { createRuntimeContext } from '../../../src/kernel/create-context.js';

const root = mkdtempSync(join(tmpdir(), 'stator-fs-layer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function layerFor(filesystem: NonNullable<StatorConfigInput['filesystem']>) {
  const config = loadConfig({ filesystem }, { cwd: root, env: {} });
  const ctx = createRuntimeContext({ config, clock: new TestClock(), logger: createLogger({ silent: true }) });
  return { ctx, layer: createFilesystemLayer(ctx) };
}
const startContext = (signal = new AbortController().signal) => ({ signal, attempt: 1, dependencies: new Map() });
const modeOf = (path: string): number => statSync(path).mode & 0o7777;

describe('filesystem layer', () => {
  it('creates base_path and required_dirs with exactly the configured permissions, whatever the umask', async () => {
    const base = join(root, 'a', 'var');
    const { layer, ctx } = layerFor({
      base_path: 'a/var',
      permissions: '0750',
      required_dirs: ['cache', 'logs/app', 'uploads'],
    });
    const events: StatorEvent[] = [];
    const sub: Subscription = ctx.events.events$.subscribe((e) => events.push(e));
    const previous = process.umask(0o077);
    try {
      await layer.start(startContext());
    } finally {
      process.umask(previous);
      sub.unsubscribe();
    }
    for (const dir of ['a', 'a/var', 'a/var/cache', 'a/var/logs', 'a/var/logs/app', 'a/var/uploads']) {
      expect(modeOf(join(root, dir))).toBe(0o750);
    }
    expect(events.map((e) => e.type)).toEqual(['filesystem.created']);
    expect(events[0]?.data).toEqual({
      directories: [
        join(root, 'a'),
        base,
        join(base, 'cache'),
        join(base, 'logs'),
        join(base, 'logs', 'app'),
        join(base, 'uploads'),
      ],
    });
    expect(await layer.check(new AbortController().signal)).toEqual({ status: 'up' });
    expect(layer.details?.()).toEqual({
      base_path: base,
      permissions: '0750',
      required_dirs: ['cache', 'logs/app', 'uploads'],
      timeout: 10,
    });
  });

  it('leaves existing directories as they are and starts again without error', async () => {
    const base = join(root, 'existing');
    mkdirSync(join(base, 'logs'), { recursive: true, mode: 0o700 });
    const { layer } = layerFor({ base_path: base, permissions: 0o755, required_dirs: ['logs', 'new'] });
    await layer.start(startContext());
    await layer.start(startContext());
    expect(modeOf(join(base, 'logs'))).toBe(0o700);
    expect(modeOf(join(base, 'new'))).toBe(0o755);
  });

  it('reports degraded when a required directory disappears, and down when base_path does', async () => {
    const base = join(root, 'vanishing');
    const { layer } = layerFor({ base_path: base, required_dirs: ['cache', 'logs'] });
    await layer.start(startContext());
    rmSync(join(base, 'logs'), { recursive: true });
    expect(await layer.check(new AbortController().signal)).toEqual({
      status: 'degraded',
      reason: `required directories missing under ${base}: logs (created again on restart)`,
    });
    rmSync(base, { recursive: true });
    await expect(layer.check(new AbortController().signal)).rejects.toMatchObject({ code: 'ENOENT' });
    await layer.start(startContext());
    expect(await layer.check(new AbortController().signal)).toEqual({ status: 'up' });
  });

  it('fails to start when base_path is a file, saying so', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const { layer } = layerFor({ base_path: file, required_dirs: [] });
    await expect(layer.start(startContext())).rejects.toMatchObject({
      code: 'EEXIST',
      message: `create base_path ".": ${file} already exists; if it is a file where a directory belongs, move it away`,
    });
    await expect(layer.check(new AbortController().signal)).rejects.toMatchObject({
      code: 'ENOTDIR',
      message: expect.stringContaining('point filesystem.base_path at a directory'),
    });
  });

  it('refuses a required directory that is a symbolic link leading outside', async () => {
    const base = join(root, 'linked');
    mkdirSync(base);
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(base, 'logs'));
    const { layer } = layerFor({ base_path: base, required_dirs: ['logs/app'] });
    await expect(layer.start(startContext())).rejects.toMatchObject({ code: 'PATH_OUTSIDE_BASE' });
    expect(() => statSync(join(root, 'elsewhere', 'app'))).toThrow();
  });

  it('does not start once its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    const { layer } = layerFor({ base_path: join(root, 'aborted') });
    await expect(layer.start(startContext(controller.signal))).rejects.toThrow('stopping');
    expect(() => statSync(join(root, 'aborted'))).toThrow();
  });

  it('serves stator.fs inside base_path', async () => {
    const { layer } = layerFor({ base_path: join(root, 'api') });
    await layer.start(startContext());
    await layer.api.writeFile('uploads/hello.txt', 'hi');
    expect(await layer.api.readFile('uploads/hello.txt', 'utf8')).toBe('hi');
    expect(() => layer.api.resolve('../outside')).toThrow(expect.objectContaining({ code: 'PATH_OUTSIDE_BASE' }));
    await layer.stop(new AbortController().signal);
  });
});
