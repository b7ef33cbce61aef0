// Original file: proto/latchkey/v1/agent.proto


export interface ResolveEnvResponse {
  'env'?: ({[key: string]: string});
  'warnings'?: (string)[];
  'secrets'?: (string)[];
  'manifests'?: (string)[];
  'referenced'?: (string)[];
}

export interface ResolveEnvResponse__Output {
  'env': ({[key: string]: string});
  'warnings': (string)[];
  'secrets': (string)[];
  'manifests': (string)[];
  'referenced': (string)[];
}
