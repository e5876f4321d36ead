// @fastify/rate-limit ships its stores without declarations; this is the part Jurist uses.
declare module "@fastify/rate-limit/store/*.js" {
  type Counted = { current: number; ttl: number };
  export default class Store {
    constructor(continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]);
    incr(
      key: string,
      cb: (err: Error | null, res: Counted | null) => void,
      timeWindow: number,
      max: number,
    ): void;
  }
}
