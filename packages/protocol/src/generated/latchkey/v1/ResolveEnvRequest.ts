// Original file: proto/latchkey/v1/agent.proto


export interface ResolveEnvRequest {
  'manifests'?: (string)[];
  'cwd'?: (string);
  'command'?: (string);
  'allowVars'?: (string)[];
}

export interface ResolveEnvRequest__Output {
  'manifests': (string)[];
  'cwd': (string);
  'command': (string);
  'allowVars': (string)[];
}
