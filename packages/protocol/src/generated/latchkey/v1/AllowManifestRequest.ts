// Original file: proto/latchkey/v1/agent.proto


export interface AllowManifestRequest {
  'path'?: (string);
  'sha256'?: (string);
  'allowVars'?: (string)[];
}

export interface AllowManifestRequest__Output {
  'path': (string);
  'sha256': (string);
  'allowVars': (string)[];
}
