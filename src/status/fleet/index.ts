// The fleet: every instance of a service publishes a heartbeat to Redis; the dashboard and `stator fleet` list them.
export { FleetHeartbeat } from './fleet-heartbeat.js';
export { FleetReader } from './fleet-reader.js';
export { fleetSettings, type FleetSettings, type FleetRedis } from './fleet-settings.js';
export { fleetInstance, isFleetInstance, type FleetInstance } from './fleet-instance.js';
