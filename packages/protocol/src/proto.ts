// Loading the wire contract. The loader options here are the ones the type generator uses too.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/agent.js';

/** The proto-loader options shared by run time and `scripts/gen-proto.js`. */
export const LOADER_OPTIONS: protoLoader.Options = JSON.parse(
  readFileSync(new URL('../src/loader-options.json', import.meta.url), 'utf8'),
);

/** Absolute path of `proto/latchkey/v1/agent.proto`. */
export const PROTO_PATH = fileURLToPath(new URL('../../../proto/latchkey/v1/agent.proto', import.meta.url));

let cached: ProtoGrpcType | undefined;

/** The loaded `latchkey.v1` package (service constructors and message types), loaded once. */
export function loadProto(): ProtoGrpcType {
  if (!cached) {
    const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return cached;
}

/** The Agent service definition, for binding a server. */
export function agentService(): grpc.ServiceDefinition {
  return loadProto().latchkey.v1.Agent.service;
}

/** Largest message either side accepts (SECURITY.md: 64 KiB cap, plus framing for metadata). */
export const MAX_MESSAGE_BYTES = 64 * 1024 + 4096;

export { HINT_METADATA_KEY, KIND_METADATA_KEY, UNAPPROVED_METADATA_KEY } from './metadata.js';
