import { createHash } from 'node:crypto';
import { Command, type Redis } from 'ioredis';
import { TickWriteCoalescer } from '../../kernel/tick-write-coalescer.js';
import type { LimitSettings } from './limit-settings.js';

/**
 * Admits one call under every limit of a resource at once, atomically, in Redis (one `EVALSHA`,
 * Redis' own clock):
 * - `max_concurrent`: a sorted set of leases (member = lease id, score = when it lapses); lapsed
 *   leases (a process that died holding them) are dropped first.
 * - `min_time`: the earliest time the next call may start (a GCRA with a burst of one).
 * - reservoir: a count, set to `reservoir_refresh_amount` every `reservoir_refresh_interval`
 *   (counted from the first call), taken one per call.
 * Nothing is taken unless every limit admits the call. Returns `{0, ms}` to admit (`ms` unused),
 * or `{1, ms}`: not now, ask again in `ms`.
 *
 * KEYS: leases, next start, reservoir hash. ARGV: lease id, max concurrent (0 = none), min time
 * ms, initial reservoir (-1 = none), refresh interval ms (0 = none), refresh amount, lease ms.
 */
export const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local maxc = tonumber(ARGV[2])
local mint = tonumber(ARGV[3])
local res0 = tonumber(ARGV[4])
local every = tonumber(ARGV[5])
local amount = tonumber(ARGV[6])
if maxc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= maxc then return {1, 5} end
end
local nextAt = 0
if mint > 0 then
  nextAt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < nextAt then return {1, nextAt - now} end
end
local left = -1
if res0 >= 0 then
  local r = redis.call('HMGET', KEYS[3], 'left', 'at')
  left = tonumber(r[1])
  local at = tonumber(r[2])
  if left == nil then left = res0; at = now end
  if every > 0 and now >= at + every then
    at = at + math.floor((now - at) / every) * every
    left = amount
  end
  if left <= 0 then
    if every > 0 then return {1, at + every - now} end
    return {1, 1000}
  end
  redis.call('HSET', KEYS[3], 'left', left - 1, 'at', at)
end
if mint > 0 then redis.call('SET', KEYS[2], now + mint, 'PX', mint + 1000) end
if maxc > 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[7]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[7]) + 1000)
end
return {0, 0}
`;

/** How long a shared concurrency lease holds when its process dies without releasing it. */
export const LEASE_MS = 60_000;

/** The script's arguments for `settings`, after the lease id. */
export function admitArguments(settings: LimitSettings): string[] {
  return [
    String(settings.maxConcurrent ?? 0),
    String(settings.minTimeMs),
    String(settings.reservoir ?? -1),
    String(settings.reservoirRefreshIntervalMs ?? 0),
    String(settings.reservoirRefreshAmount ?? settings.reservoir ?? 0),
    String(LEASE_MS),
  ];
}

/** {@link ADMIT_SCRIPT}'s SHA-1: the name `EVALSHA` runs it by. */
export const ADMIT_SHA = createHash('sha1').update(ADMIT_SCRIPT).digest('hex');

/** Shared by every limit of the process: a tick's admissions leave in one write per connection. */
const writes = new TickWriteCoalescer();

/** The reply of the script: `[0, 0]` admitted, `[1, ms]` ask again in `ms`. */
export type AdmitVerdict = [number, number];

/**
 * The round trips of one shared limit, sent as ioredis `Command`s built from arguments prepared
 * once (keys and settings): an admission is one `EVALSHA` with no argument building, spreading
 * or promise of its own, and the tick's admissions (and lease releases) are written to the
 * socket together ({@link TickWriteCoalescer}), as the cache's Redis driver writes its commands.
 * A Redis that does not know the script yet answers `NOSCRIPT`: {@link SharedAdmission.admit}
 * with `load` sends the script itself (`EVAL`, which also caches it).
 */
export class SharedAdmission {
  private readonly settingsArgs: readonly string[];

  public constructor(
    private readonly client: Redis,
    private readonly keys: readonly [leases: string, nextStart: string, reservoir: string],
    settings: LimitSettings,
  ) {
    this.settingsArgs = admitArguments(settings);
  }

  /** Asks Redis to admit one call holding `lease` (`''` without `max_concurrent`). */
  public admit(lease: string, load = false): Promise<AdmitVerdict> {
    const [leases, next, reservoir] = this.keys;
    const [maxc, mint, res0, every, amount, leaseMs] = this.settingsArgs;
    const command = new Command(load ? 'eval' : 'evalsha', [
      load ? ADMIT_SCRIPT : ADMIT_SHA,
      3,
      leases,
      next,
      reservoir,
      lease,
      maxc as string,
      mint as string,
      res0 as string,
      every as string,
      amount as string,
      leaseMs as string,
    ]);
    return this.send(command) as Promise<AdmitVerdict>;
  }

  /** Gives `lease` back, without waiting for the answer (it lapses by itself if this is lost). */
  public release(lease: string): void {
    this.send(new Command('zrem', [this.keys[0], lease])).catch(noop);
  }

  private send(command: Command): Promise<unknown> {
    const client = this.client;
    // Only a ready client writes at once; otherwise ioredis queues the command and writes it later.
    if (client.status === 'ready') writes.hold(client.stream);
    void client.sendCommand(command);
    return command.promise;
  }
}

/** True when Redis answered that it does not know the script (a restart, `SCRIPT FLUSH`). */
export const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith('NOSCRIPT');

const noop = (): void => undefined;

/** An ioredis client with the admission script defined as a command. */
export type AdmitClient = Redis & {
  statorAdmit(
    leases: string,
    nextStart: string,
    reservoir: string,
    lease: string,
    ...args: string[]
  ): Promise<[number, number]>;
};

/** Defines `statorAdmit` on `client` (ioredis sends EVALSHA, and EVAL once if Redis lacks the script). */
export function withAdmitScript(client: Redis): AdmitClient {
  const c = client as AdmitClient;
  if (typeof c.statorAdmit !== 'function') client.defineCommand('statorAdmit', { numberOfKeys: 3, lua: ADMIT_SCRIPT });
  return c;
}
