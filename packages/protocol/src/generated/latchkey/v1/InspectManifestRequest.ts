// Original file: proto/latchkey/v1/agent.proto


export interface InspectManifestRequest {
  'path'?: (string);
  'allowVars'?: (string)[];
  'refusedAsData'?: (boolean);
}

export interface InspectManifestRequest__Output {
  'path': (string);
  'allowVars': (string)[];
  'refusedAsData': (boolean);
}
