/** The assembly: `createStator`, the built-in layers, the resource plan and the supervisor wiring. */
export { createStator, type CreateStatorOptions } from './create-stator.js';
export type { Stator, StopReport } from './stator.js';
export type { LayerFactory } from './layer-factory.js';
