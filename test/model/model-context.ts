import type { StatorConfigInput } from '../../src/config/schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { SecretRegistry } from '../../src/logging/redact.js';
import { TestClock } from '../../src/kernel/clock.js';
import type { RuntimeContext } from '../../src/kernel/context.js';
import { createRuntimeContext } from '../../src/kernel/create-context.js';
import type { MachineProbe } from './probe.js';

/** A RuntimeContext on a TestClock, silent, whose machines report to `probe`. */
export function modelContext(
  config: StatorConfigInput,
  probe: MachineProbe,
): { ctx: RuntimeContext; clock: TestClock } {
  const clock = new TestClock(1_000_000);
  const secrets = new SecretRegistry();
  const ctx = createRuntimeContext({
    config: loadConfig(config, { secrets }),
    clock,
    secrets,
    logger: createLogger({ silent: true }),
    inspect: probe.inspect,
  });
  return { ctx, clock };
}
