// Original file: proto/latchkey/v1/agent.proto


export interface DenyManifestRequest {
  'path'?: (string);
}

export interface DenyManifestRequest__Output {
  'path': (string);
}
