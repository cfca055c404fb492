import type { Command } from 'ioredis';
import { OperationTimeoutError } from '../../errors/operation-timeout-error.js';
import { unrefTimer, type Clock } from '../../kernel/clock.js';

/** Below this many tracked commands the queue is never compacted. */
const COMPACT_MIN = 4096;

/**
 * Bounds ioredis commands by one fixed timeout with a single timer, and nothing per command but
 * two array slots: no timer (ioredis' `commandTimeout` arms one per command), no promise and no
 * closure (a promise-based deadline wraps each call in a promise of its own). On a local Redis
 * either of those costs several percent of a call.
 *
 * It keeps the ioredis `Command`s themselves, in the order they were sent, and rejects each one
 * still unanswered at its deadline through the command's own `reject` (as `commandTimeout`
 * would, with an `OperationTimeoutError`; a late reply is then ignored by ioredis). Answered
 * commands are not reported: they are dropped when they reach the head of the queue, which is
 * where they are on a healthy connection, since Redis answers a connection's commands in order.
 * Answered commands stuck behind an unanswered one (several Cluster nodes, one of them frozen)
 * are swept out when the queue doubles, so it holds about the unanswered commands only.
 *
 * @example
 * ```ts
 * const deadlines = new CommandDeadlines(clock, 'cache', 500);
 * const command = new Command('get', [key], { replyEncoding: 'utf8' });
 * client.sendCommand(command);
 * deadlines.track(command);
 * const value = await command.promise; // rejects after 500 ms without an answer
 * ```
 */
export class CommandDeadlines {
  private commands: Array<Command | undefined> = [];
  private dues: number[] = [];
  private head = 0;
  private timer: unknown;
  private compactAt = COMPACT_MIN;

  /**
   * @param onExpired called after a command is rejected at its deadline (the driver tells its node
   * machine that the server stopped answering).
   */
  public constructor(
    private readonly clock: Clock,
    private readonly resource: string,
    public readonly timeoutMs: number,
    private readonly onExpired?: (error: OperationTimeoutError) => void,
  ) {}

  /** Starts the deadline of a command just sent (one already answered, refused at once, is left out). */
  public track(command: Command): void {
    if (command.isSettled) return;
    this.dropAnswered();
    this.commands.push(command);
    this.dues.push(this.clock.now() + this.timeoutMs);
    if (this.commands.length - this.head > this.compactAt) this.compact();
    if (this.timer === undefined) this.arm();
  }

  /** Tracked commands still waiting for an answer (for tests and status). */
  public get pending(): number {
    let n = 0;
    for (let i = this.head; i < this.commands.length; i++) if (this.commands[i]?.isSettled === false) n++;
    return n;
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const commands = this.commands;
    while (this.head < commands.length) {
      const command = commands[this.head] as Command;
      if (!command.isSettled) {
        if ((this.dues[this.head] as number) > now) break;
        const error = new OperationTimeoutError(this.resource, command.name, this.timeoutMs);
        command.reject(error);
        this.onExpired?.(error);
      }
      commands[this.head] = undefined;
      this.head++;
    }
    this.dropAnswered();
    this.arm();
  }

  private arm(): void {
    if (this.head === this.commands.length) return;
    const due = this.dues[this.head] as number;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, due - this.clock.now()));
    unrefTimer(this.timer);
  }

  /** Drops answered commands from the head; empties or shortens the arrays when that is cheap. */
  private dropAnswered(): void {
    const commands = this.commands;
    while (this.head < commands.length && (commands[this.head] as Command).isSettled) {
      commands[this.head] = undefined;
      this.head++;
    }
    if (this.head === commands.length) {
      commands.length = 0;
      this.dues.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= commands.length) {
      this.commands = commands.slice(this.head);
      this.dues = this.dues.slice(this.head);
      this.head = 0;
    }
  }

  /** Keeps only the unanswered commands (some were answered behind one that is not). */
  private compact(): void {
    const commands: Command[] = [];
    const dues: number[] = [];
    for (let i = this.head; i < this.commands.length; i++) {
      const command = this.commands[i] as Command;
      if (!command.isSettled) {
        commands.push(command);
        dues.push(this.dues[i] as number);
      }
    }
    this.commands = commands;
    this.dues = dues;
    this.head = 0;
    this.compactAt = Math.max(COMPACT_MIN, commands.length * 2);
  }
}
