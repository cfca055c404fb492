import type { Resilience } from '../resilience/resilience.js';
import type { RuntimeContext } from '../kernel/context.js';
import type { ResourceLayer } from '../kernel/layer.js';

/**
 * Makes one resource's layer from the instance's {@link RuntimeContext}. Pass your own in
 * `createStator({ layers: { search: (ctx) => mySearchLayer(ctx) } })` to add a resource the
 * supervisor starts, checks, restarts and stops with the built-in ones, or under a built-in
 * name (`cache`, `filesystem`, `database`) to replace that one.
 */
export type LayerFactory = (ctx: RuntimeContext) => ResourceLayer;

/** What a built-in layer factory makes: the layer, and the capability API it backs (`stator.cache`, ...). */
export interface BuiltinLayer<TApi = unknown> {
  readonly layer: ResourceLayer;
  readonly api: TApi;
}

/** Instance-wide capabilities the built-in layers share. */
export interface BuiltinServices {
  /** The resilience capability of the instance: one pipeline and breaker per resource. */
  readonly resilience: Resilience;
  /** The API of a built-in resource made before this one (`cache`, then `filesystem`), if it runs. */
  capability(resource: string): unknown;
}

/** A built-in resource: its name and how to make its layer and API. */
export interface BuiltinLayerFactory {
  readonly name: string;
  readonly create: (ctx: RuntimeContext, services: BuiltinServices) => BuiltinLayer;
}
