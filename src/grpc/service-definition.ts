import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import {
  type CallOptions,
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  type ClientWritableStream,
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  type MethodDefinition,
  makeGenericClientConstructor,
  type requestCallback,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { REQUEST_WIRE_LIMITS } from "./request-wire-limits.ts";
import { wireLimitBreach } from "./wire-limits.ts";

/**
 * protoc-gen-es generates messages and service descriptors but no grpc-js stubs; this turns a
 * descriptor into the `ServiceDefinition` grpc-js serves (`server.addService`) and builds
 * clients from (`makeGenericClientConstructor`). Messages go through protobuf-es `toBinary` /
 * `fromBinary`; no proto-loader and no second code generator.
 */

/** The methods of a generated service, by local name (`typeof JudgeService` → its methods). */
export type MethodsOf<S> = S extends GenService<infer T> ? T : never;

/** The grpc-js definition of one method: protobuf-es messages in, protobuf-es messages out. */
export type MethodDefinitionOf<M extends GenServiceMethods[string]> = MethodDefinition<
  MessageShape<M["input"]>,
  MessageShape<M["output"]>
>;

/** The grpc-js service definition of a generated service, keyed by the methods' local names. */
export type ServiceDefinitionOf<T extends GenServiceMethods> = {
  readonly [K in keyof T]: MethodDefinitionOf<T[K]>;
};

type HandlerOf<M extends GenServiceMethods[string]> = {
  unary: handleUnaryCall<MessageShape<M["input"]>, MessageShape<M["output"]>>;
  server_streaming: handleServerStreamingCall<MessageShape<M["input"]>, MessageShape<M["output"]>>;
  client_streaming: handleClientStreamingCall<MessageShape<M["input"]>, MessageShape<M["output"]>>;
  bidi_streaming: handleBidiStreamingCall<MessageShape<M["input"]>, MessageShape<M["output"]>>;
}[M["methodKind"]];

/** Handlers for every method of a generated service, typed by each method's kind. */
export type ServiceImplementationOf<T extends GenServiceMethods> = {
  [K in keyof T]: HandlerOf<T[K]>;
} & UntypedServiceImplementation;

function serializer<Desc extends DescMessage>(schema: Desc) {
  return (message: MessageShape<Desc>): Buffer => {
    const bytes = toBinary(schema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<Desc extends DescMessage>(schema: Desc) {
  return (bytes: Buffer): MessageShape<Desc> => fromBinary(schema, bytes);
}

/**
 * What the server's deserializer yields for bytes that are not a valid message (bad wire
 * format, invalid UTF-8 in a string field), instead of throwing: grpc-js answers a throwing
 * deserializer itself, with INTERNAL, before any interceptor or handler can say what was wrong
 * (`decompressAndMaybePush` in @grpc/grpc-js 1.14's build/src/server-interceptors.js).
 * `malformed-input.ts` refuses it for unary and server-streaming calls; a stream handler gets
 * it as an item.
 */
export class MalformedMessage {
  constructor(
    /** The message type expected, e.g. `jurist.v1.PairwiseRequest`. */
    readonly typeName: string,
    /** What protobuf-es, or the scan before it, found wrong. */
    readonly reason: string,
    /** The field over a limit (`images`, `request.images`), when the scan refused one. */
    readonly path?: string,
  ) {}
}

// The size each served request arrived at, for the in-flight byte budget: grpc-js hands a
// handler the decoded message only. Weak, so a message forgotten is a size forgotten.
const receivedSizes = new WeakMap<object, number>();

/** The bytes `message` arrived as (0 for one this server's deserializer did not decode). */
export function receivedBytes(message: object): number {
  return receivedSizes.get(message) ?? 0;
}

function markingDeserializer<Desc extends DescMessage>(schema: Desc) {
  return (bytes: Buffer): MessageShape<Desc> | MalformedMessage => {
    // protobuf-es pays for every element and unknown field before any check can count them:
    // a message wider than any valid request is refused from its tags alone.
    const breach = wireLimitBreach(schema, bytes, REQUEST_WIRE_LIMITS);
    if (breach) return new MalformedMessage(schema.typeName, breach.reason, breach.path);
    try {
      const message = fromBinary(schema, bytes);
      receivedSizes.set(message, bytes.length);
      return message;
    } catch (error) {
      return new MalformedMessage(schema.typeName, (error as Error).message);
    }
  };
}

/**
 * The definition a server serves: as `serviceDefinition`, but a request that does not decode,
 * or is wider than `REQUEST_WIRE_LIMITS` allow (checked before decoding, `wire-limits.ts`),
 * arrives as a `MalformedMessage` rather than failing the call with INTERNAL. Serve it only
 * behind `malformedInputInterceptor`, which turns that into INVALID_ARGUMENT for unary calls.
 */
export function servedDefinition<T extends GenServiceMethods>(
  service: GenService<T>,
): ServiceDefinitionOf<T> {
  const definition = serviceDefinition(service) as Record<
    string,
    MethodDefinition<unknown, unknown>
  >;
  for (const method of Object.values(service.method)) {
    definition[method.localName]!.requestDeserialize = markingDeserializer(method.input);
  }
  return definition as ServiceDefinitionOf<T>;
}

/**
 * The grpc-js `ServiceDefinition` of `service`: one entry per RPC under its local name
 * (`pairwiseStream` for `PairwiseStream`), path `/<package>.<Service>/<Method>`, streaming
 * flags from the method kind. A malformed message throws in `requestDeserialize`, which
 * grpc-js answers with INTERNAL: the server serves `servedDefinition` instead.
 */
export function serviceDefinition<T extends GenServiceMethods>(
  service: GenService<T>,
): ServiceDefinitionOf<T> {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of Object.values(service.method)) {
    const kind = method.methodKind;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      requestStream: kind === "client_streaming" || kind === "bidi_streaming",
      responseStream: kind === "server_streaming" || kind === "bidi_streaming",
      requestSerialize: serializer(method.input) as (value: unknown) => Buffer,
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output) as (value: unknown) => Buffer,
      responseDeserialize: deserializer(method.output),
      originalName: method.name,
    };
  }
  return definition as ServiceDefinitionOf<T>;
}

/** A unary method of a grpc-js client, as grpc-js calls it. */
export interface UnaryClientMethod<Request, Response> {
  (request: Request, callback: requestCallback<Response>): ClientUnaryCall;
  (request: Request, metadata: Metadata, callback: requestCallback<Response>): ClientUnaryCall;
  (
    request: Request,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: requestCallback<Response>,
  ): ClientUnaryCall;
}

type ClientMethodOf<M extends GenServiceMethods[string]> = {
  unary: UnaryClientMethod<MessageShape<M["input"]>, MessageShape<M["output"]>>;
  server_streaming: (
    request: MessageShape<M["input"]>,
    metadata?: Metadata,
    options?: Partial<CallOptions>,
  ) => ClientReadableStream<MessageShape<M["output"]>>;
  client_streaming: (
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: requestCallback<MessageShape<M["output"]>>,
  ) => ClientWritableStream<MessageShape<M["input"]>>;
  bidi_streaming: (
    metadata?: Metadata,
    options?: Partial<CallOptions>,
  ) => ClientDuplexStream<MessageShape<M["input"]>, MessageShape<M["output"]>>;
}[M["methodKind"]];

/** A grpc-js client of a generated service: one method per RPC, under its local name. */
export type ClientOf<T extends GenServiceMethods> = Client & {
  [K in keyof T]: ClientMethodOf<T[K]>;
};

/**
 * The grpc-js client class of `service`, from the same definition the server serves
 * (`makeGenericClientConstructor`): `new (clientConstructor(JudgeService))(address, creds)`.
 */
export function clientConstructor<T extends GenServiceMethods>(
  service: GenService<T>,
): new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ChannelOptions>,
) => ClientOf<T> {
  const definition = serviceDefinition(service) as unknown as Parameters<
    typeof makeGenericClientConstructor
  >[0];
  return makeGenericClientConstructor(definition, service.typeName) as never;
}
