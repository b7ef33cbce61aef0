// The wire contract as proto-loader reads it from the .proto shipped in this package, at run time: the
// independent decoder that the generated code is checked against (wire.test.ts), and the encoder of the
// tests' raw client, which sends plain objects no type checks. Neither the daemon nor the client loads it:
// they use the generated codecs (proto.ts). `scripts/gen-proto.js` checks its generated shapes against
// these loader options.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const rawLoaderOptions = JSON.parse(readFileSync(new URL('../src/loader-options.json', import.meta.url), 'utf8'));
const TYPES: Record<string, typeof Number | typeof String> = { Number, String };

/**
 * The proto-loader options shared by the oracle and `scripts/gen-proto.js`. JSON names `longs` and `enums`
 * as text; proto-loader wants the constructors (given the text, it silently decodes int64 as Long objects).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  ...rawLoaderOptions,
  ...(rawLoaderOptions.longs ? { longs: TYPES[rawLoaderOptions.longs] } : {}),
  ...(rawLoaderOptions.enums ? { enums: TYPES[rawLoaderOptions.enums] } : {}),
};

/** Absolute path of the wire contract, `proto/latchkey/v1/agent.proto` inside this package. */
export const PROTO_PATH = fileURLToPath(new URL('../proto/latchkey/v1/agent.proto', import.meta.url));

/** What `loadProto()` returns: the `latchkey.v1` package as proto-loader and grpc-js load it. */
export interface AgentPackage {
  latchkey: { v1: { Agent: grpc.ServiceClientConstructor } };
}

let cached: AgentPackage | undefined;

/** The `latchkey.v1` package loaded by proto-loader (its client constructor and definition), loaded once. */
export function loadProto(): AgentPackage {
  if (!cached) {
    const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition) as unknown as AgentPackage;
  }
  return cached;
}
