import type { StatorConfig } from '../config/schema.js';
import type { FleetInstance } from '../status/fleet/fleet-instance.js';
import { FleetReader } from '../status/fleet/fleet-reader.js';
import { fleetSettings } from '../status/fleet/fleet-settings.js';
import type { ObservedStator } from './observed-stator.js';

/** How the dashboard reads the fleet: a listing shared by every open dashboard, at most one Redis read a second. */
export interface FleetSource {
  readonly list: () => Promise<readonly FleetInstance[]>;
  readonly close: () => void;
}

const FRESH_MS = 1000;

/** The fleet of a Stator whose configuration turns it on (`fleet:`), else undefined. */
export function fleetOfStator(stator: ObservedStator): FleetSource | undefined {
  const config = (stator as { config?: StatorConfig }).config;
  const settings = config?.fleet ? fleetSettings(config) : undefined;
  if (!settings) return undefined;
  const reader = new FleetReader(settings);
  let last: { at: number; list: Promise<readonly FleetInstance[]> } | undefined;
  return {
    list: () => {
      const now = Date.now();
      if (!last || now - last.at >= FRESH_MS) {
        const list = reader.list();
        last = { at: now, list };
        list.catch(() => (last = undefined));
      }
      return last.list;
    },
    close: () => reader.close(),
  };
}
