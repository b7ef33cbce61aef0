// The Agent service's methods typed by the generated messages: what a handler receives and returns,
// and what a client sends and gets back, for each method of the .proto (no method named by hand).
import { AgentDefinition, type MessageFns } from './generated/latchkey/v1/agent.js';

type Methods = typeof AgentDefinition.methods;
type MessageOf<F> = F extends MessageFns<infer T> ? T : never;

/** A method of the Agent service, by its generated (camelCase) key. */
export type AgentMethod = keyof Methods;
/** The request message of a method. */
export type RequestOf<K extends AgentMethod> = MessageOf<Methods[K]['requestType']>;
/** The response message of a method (of each streamed message for a streaming one). */
export type ResponseOf<K extends AgentMethod> = MessageOf<Methods[K]['responseType']>;
/** The methods that take one message and answer with one. */
export type UnaryMethod = { [K in AgentMethod]: Methods[K]['requestStream'] extends false ? (Methods[K]['responseStream'] extends false ? K : never) : never }[AgentMethod];

/** The .proto's name of a method (`putSecret` -> `PutSecret`), as in its path `/latchkey.v1.Agent/PutSecret`. */
export function protoName(method: AgentMethod): string {
  return AgentDefinition.methods[method].name;
}
