// Loading the wire contract for grpc-js. proto-loader reads the .proto shipped in this package at run
// time; the loader options here are the ones scripts/gen-proto.js checks its generated shapes against.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const rawLoaderOptions = JSON.parse(readFileSync(new URL('../src/loader-options.json', import.meta.url), 'utf8'));
const TYPES: Record<string, typeof Number | typeof String> = { Number, String };

/**
 * The proto-loader options shared by run time and `scripts/gen-proto.js`. JSON names `longs` and `enums`
 * as text; proto-loader wants the constructors (given the text, it silently decodes int64 as Long objects).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  ...rawLoaderOptions,
  ...(rawLoaderOptions.longs ? { longs: TYPES[rawLoaderOptions.longs] } : {}),
  ...(rawLoaderOptions.enums ? { enums: TYPES[rawLoaderOptions.enums] } : {}),
};

/** Absolute path of the wire contract, `proto/latchkey/v1/agent.proto` inside this package. */
export const PROTO_PATH = fileURLToPath(new URL('../proto/latchkey/v1/agent.proto', import.meta.url));

/** What `loadProto()` returns: the `latchkey.v1` package as grpc-js loads it. */
export interface AgentPackage {
  latchkey: { v1: { Agent: grpc.ServiceClientConstructor } };
}

let cached: AgentPackage | undefined;

/** The loaded `latchkey.v1` package (the service's client constructor and definition), loaded once. */
export function loadProto(): AgentPackage {
  if (!cached) {
    const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition) as unknown as AgentPackage;
  }
  return cached;
}

/** The Agent service definition, for binding a server. */
export function agentService(): grpc.ServiceDefinition {
  return loadProto().latchkey.v1.Agent.service;
}

export { MAX_MESSAGE_BYTES } from './framing.js';

export { HINT_METADATA_KEY, KIND_METADATA_KEY, UNAPPROVED_METADATA_KEY } from './metadata.js';
