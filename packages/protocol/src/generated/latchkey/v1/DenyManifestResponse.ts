// Original file: proto/latchkey/v1/agent.proto


export interface DenyManifestResponse {
  'path'?: (string);
  'wasApproved'?: (boolean);
}

export interface DenyManifestResponse__Output {
  'path': (string);
  'wasApproved': (boolean);
}
