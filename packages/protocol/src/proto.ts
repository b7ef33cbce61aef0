// The wire contract for grpc-js, from the generated codecs (ts-proto's static encoders and decoders, no
// reflection): the Agent service definition the daemon binds and AgentConnection calls through. Neither
// loads proto-loader or protobufjs: reading the .proto and building its reflection at every start held
// the idle daemon at 63.8-63.9 MB RSS on Node 20 and 70.7-71.0 MB on Node 24, against 58.9-59.0 and
// 62.4-62.6 MB without (scripts/bench/cold.mjs). proto-loader is still the oracle the generated code is
// checked against (proto-loader.ts, wire.test.ts).
import type * as grpc from '@grpc/grpc-js';
import { AgentDefinition, type MessageFns } from './generated/latchkey/v1/agent.js';

const encoder = <T>(type: MessageFns<T>) => (message: T): Buffer => {
  const bytes = type.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
const decoder = <T>(type: MessageFns<T>) => (buf: Buffer): T => type.decode(buf);

let cached: grpc.ServiceDefinition | undefined;

/**
 * The Agent service definition, keyed by the .proto's method names (`PutSecret`) with grpc-js's
 * `originalName` the generated key (`putSecret`), as proto-loader's definition is: built once.
 */
export function agentService(): grpc.ServiceDefinition {
  if (!cached) {
    const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    for (const [key, m] of Object.entries(AgentDefinition.methods) as Array<[string, { name: string; requestType: MessageFns<unknown>; responseType: MessageFns<unknown>; requestStream: boolean; responseStream: boolean }]>) {
      def[m.name] = {
        path: `/${AgentDefinition.fullName}/${m.name}`,
        requestStream: m.requestStream,
        responseStream: m.responseStream,
        requestSerialize: encoder(m.requestType),
        requestDeserialize: decoder(m.requestType),
        responseSerialize: encoder(m.responseType),
        responseDeserialize: decoder(m.responseType),
        originalName: key,
      };
    }
    cached = def;
  }
  return cached;
}

export { MAX_MESSAGE_BYTES } from './framing.js';

export { decodeMetadataValue, encodeMetadataValue, HINT_METADATA_KEY, KIND_METADATA_KEY, UNAPPROVED_METADATA_KEY } from './metadata.js';
