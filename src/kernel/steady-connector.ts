import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import { StandaloneConnector } from 'ioredis/built/connectors/index.js';

type ErrorEmitter = Parameters<StandaloneConnector['connect']>[0];
type NetStream = Awaited<ReturnType<StandaloneConnector['connect']>>;

const ignore = (): void => undefined;

/**
 * ioredis' own connector, with one 'error' listener that stays on the socket for its whole life.
 *
 * Why: ioredis listens to its stream's first 'error' only (`stream.once('error')`). A TLS socket
 * can emit a second one: after a refused handshake (unknown CA) the server's alert arrives as
 * `tlsv1 alert decode error`. With no listener left, Node throws it as an uncaught exception,
 * which ends the service. The first error still reaches ioredis (and so Stator) as before.
 * Sentinel keeps ioredis' Sentinel connector (setting `Connector` would replace it).
 */
export class SteadyConnector extends StandaloneConnector {
  /** ioredis constructs its connector with the client's options, typed `unknown` by ioredis. */
  public constructor(options: unknown) {
    super(options as ConstructorParameters<typeof StandaloneConnector>[0]);
  }

  public override connect(emitter: ErrorEmitter): Promise<NetStream> {
    return super.connect(emitter).then((stream) => {
      stream.on('error', ignore);
      return stream;
    });
  }
}

/**
 * ioredis options of a single-node client over TLS (`tls`), or none: with {@link SteadyConnector},
 * which every such client Stator makes needs (the cache's node, and the connections that share
 * breakers and limits through the cache's Redis).
 */
export function steadyTls(tls: ConnectionOptions | undefined): Pick<RedisOptions, 'tls' | 'Connector'> {
  return tls ? { tls, Connector: SteadyConnector } : {};
}
