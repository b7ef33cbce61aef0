// Original file: proto/latchkey/v1/agent.proto


export interface ListSecretsRequest {
}

export interface ListSecretsRequest__Output {
}
