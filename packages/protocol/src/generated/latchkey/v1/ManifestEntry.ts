// Original file: proto/latchkey/v1/agent.proto


export interface ManifestEntry {
  'variable'?: (string);
  'line'?: (number);
  'kind'?: (string);
  'secret'?: (string);
  'owner'?: (string);
  'description'?: (string);
  'docs'?: (string);
  'uses'?: (string)[];
  'params'?: ({[key: string]: string});
}

export interface ManifestEntry__Output {
  'variable': (string);
  'line': (number);
  'kind': (string);
  'secret': (string);
  'owner': (string);
  'description': (string);
  'docs': (string);
  'uses': (string)[];
  'params': ({[key: string]: string});
}
